# 失信惩戒程序拒绝某项行为的原因（socred-core 的 Refusal）。

refusal-entry-void = 条目 { $entry } 已作废：其触发记录已被撤销
refusal-entry-exists = 条目 { $entry } 已存在
refusal-notice-already-served = 条目 { $entry } 当前为“{ $state }”，书面告知书已送达
refusal-notice-already-served-on = 条目 { $entry } 当前为“{ $state }”，书面告知书已于 { $day } 送达
refusal-not-withdrawable = 条目 { $entry } 当前为“{ $state }”；只有尚未列入的条目可以撤回（已列入的条目因期满、信用修复或申诉而终止）
refusal-nothing-to-appeal = 条目 { $entry } 当前为“{ $state }”，已无可申诉的事项
refusal-no-notice-yet = 条目 { $entry } 尚未送达书面告知书；申诉期自告知书送达之日起算
refusal-appeal-pending = 针对该条目的申诉 { $appeal } 仍在处理中
refusal-no-appeal-window = 名单 { $list } 不设申诉期
refusal-appeal-deadline-passed = 申诉期限为 { $deadline }（告知书于 { $served } 送达后 { $days } 日）；今天是 { $today }
refusal-appeals-final = 对名单 { $list } 的申诉决定为最终决定
refusal-second-appeal-used = 申诉决定只能再申诉一次
refusal-second-appeal-deadline-passed = 对 { $decided } 作出的决定提出申诉的期限为 { $deadline }
refusal-appeal-not-pending = 申诉 { $appeal } 并非条目 { $entry } 待处理的申诉
refusal-own-appeal = { $actor } 提出了申诉 { $appeal }，不能对其作出决定
refusal-raised-entry = { $actor } 提出了条目 { $entry }，不能对针对它的申诉作出决定
refusal-decided-first-instance = { $actor } 作出了第一审决定，不能作出第二审决定
refusal-repair-not-restrictive = 信用修复适用于惩戒类名单；{ $list } 不属于此类
refusal-repair-not-listed = 条目 { $entry } 当前为“{ $state }”；信用修复适用于已列入的条目
refusal-no-repair-date = 条目 { $entry } 没有可申请信用修复的起始日期
refusal-repair-too-early = 自 { $since } 起须公示至少 { $years } 年，{ $from } 起方可申请信用修复
refusal-repair-pending = 信用修复申请 { $repair } 仍在处理中
refusal-commitment-required = 名单 { $list } 的信用修复须提交信用承诺书
refusal-repair-not-pending = 信用修复申请 { $repair } 并非条目 { $entry } 待处理的申请
refusal-own-repair = { $actor } 申请了信用修复 { $repair }，不能对其作出决定
refusal-nothing-to-repair = 条目 { $entry } 当前为“{ $state }”，无可修复的事项
refusal-disputes-concern-records = 异议针对的是记录，而非名单条目
refusal-consents-concern-score = 授权针对的是商业信用评分，而非名单条目
refusal-out-of-order = { $day } 早于 { $case } 的上一步骤（{ $last }）；各步骤须按时间顺序记录
refusal-consent-id-used = 授权编号 { $consent } 已被使用
refusal-consent-already-given = 已向 { $partner } 作出授权
refusal-no-consent-in-force = 没有向 { $partner } 作出的有效授权
refusal-dispute-id-used = 异议编号 { $dispute } 已被使用
refusal-record-not-in-file = 记录 { $record } 不在 { $subject } 的档案中
refusal-record-already-void = 记录 { $record } 已被撤销
refusal-before-record = { $day } 早于该记录的日期 { $occurred }
refusal-record-disputed = 记录 { $record } 已有异议（异议 { $dispute } 正在处理中）
refusal-dispute-missing = 异议 { $dispute } 不存在
refusal-dispute-already-decided = 异议 { $dispute } 已作出决定
refusal-before-dispute = { $day } 早于异议提出之日（{ $filed }）
refusal-own-dispute = { $actor } 提出了异议 { $dispute }，不能对其作出决定
refusal-own-record = { $actor } 作出了记录 { $record }，不能对针对它的异议作出决定
refusal-not-a-list = { $list } 不是规则手册 { $rulebook } { $version } 中的名单
refusal-triggers-only = 名单 { $list } 只能由触发规则列入
refusal-list-not-for-kind = 名单 { $list } 不适用于{ $kind ->
        [person] 自然人
       *[organisation] 组织
    }
refusal-proposal-id-form = 拟列入的条目编号格式为 { $list }/案号
refusal-case-missing = { $case } 不存在
refusal-case-id-used = 编号 { $case } 已被使用
refusal-case-taken = 编号 { $case } 已被其他案件使用，请另选编号
refusal-entry-missing = { $day } 时 { $subject } 没有条目 { $entry }
refusal-conflict-own-file = 利益冲突：本账户所指的人就是该档案的主体
refusal-conflict-linked = 利益冲突：本账户所指的人是该主体的监护人、被监护人或法定代表人
refusal-conflict-of-interest = 利益冲突：本账户所指的人不得处理该档案

# 规则写下的条目事实和作出机关（crates/socred-i18n/src/notice.rs）。

facts-record = { $day }，{ $behaviour }（记录 { $record }，由{ $source }记录{ $evidence }）
facts-evidence = ；证据：{ $evidence }
facts-tier = { $day }，该主体以 { $score } 分进入 { $tier } 级
authority-tier-rule = 规则 { $rulebook } 的信用等级规则

# 条目的历史：每一步。
step-notice-served = 已送达书面告知书；申诉期至{ $deadline }（含当日）
step-notice-served-no-appeal = 已送达书面告知书；此名单不设申诉期
step-listed = 列入：{ $why }；至{ $until }，提前结束的除外
step-listed-published = 列入并公示：{ $why }；至{ $until }，提前结束的除外
step-why-no-appeal = 未在期限内提出申诉
step-why-appeal-dismissed = 申诉被驳回
step-expired = 最长列入期限 { $years } 年届满
step-ended = 该主体已离开触发等级
step-appeal-filed = 提出申诉 { $appeal }（第 { $instance } 审）：{ $grounds }
step-appeal-dismissed = 维持列入决定：{ $reasons }
step-appeal-dismissed-finally = 二审终局维持列入决定：{ $reasons }
step-overturned = 经申诉撤销列入决定：{ $reasons }
step-repair-applied = 提出信用修复申请 { $repair }：{ $evidence }
step-repaired = 信用已修复，停止公示：{ $reasons }
step-void = 触发记录已作废：{ $reason }
step-recorded = { $action }（该条目已作废，不产生效果）
step-not-applied = { $action } 无法适用：{ $error }

action-proposed = 拟列入
action-notice-served = 送达告知书
action-listed = 列入
action-expired = 期满
action-ended = 结束
action-withdrawn = 撤回
action-appeal-filed = 提出申诉
action-appeal-dismissed = 驳回申诉
action-overturned = 撤销列入
action-repair-applied = 申请信用修复
action-repaired = 信用修复
action-repair-refused = 修复未获批准
action-void = 作废
action-recorded = 已记录
action-not-applied = 未适用

# 命令行的人类可读输出（`socred show`、`subject show`、`rulebook show`、`file`、名单条目与书面告知书）。
# JSON 输出在各语言下相同。

cli-guardians = 监护人
cli-children = 被监护子女
cli-represents = 所代表的组织
cli-representatives = 法定代表人
cli-as-of = 截至 { $day }，依据信用规则 { $rulebook } { $version }
cli-score-tier = 分数 { $score }   等级 { $tier }
cli-points-alone = { "   " }（仅按分数为 { $tier }）
cli-locked = 等级锁定为 { $tier }，自 { $since } 至 { $until }
cli-annual = { $year } 年度预期：净得分 { $net }，预期至少 { $expected }{ $met }{ $so_far }
cli-annual-met = ，已达到
cli-annual-not-met = ，未达到
cli-annual-so-far = （截至目前）
cli-why-points = 为什么是 { $score } 分：
cli-base-score = 基础分
cli-counts-until = 计分至 { $day }
cli-total = 合计
cli-why-tier = 为什么是 { $tier } 级：
cli-cause-points = 分数越过了等级门槛
cli-cause-forced = { $behaviour }（{ $record }）强制此等级
cli-cause-step = 锁定期结束；每次恢复一个锁定等级
cli-cause-lock-ended = 锁定期结束
cli-locked-until = ，锁定至 { $day }
cli-tier-change = { $day }  { $from } -> { $to }，{ $score } 分：{ $cause }{ $locked }
cli-tier-of-points = 等级 { $tier }：{ $score } 分对应的等级（见 `socred rulebook show`）
cli-file = 档案：{ $count } 条记录
cli-status-counts = 计分中
cli-status-expired = 已过期
cli-status-not-yet-effective = 尚未生效
cli-status-void = 已作废
cli-status-not-in-rulebook = 不在规则中
cli-source = 来源：{ $source }
cli-evidence = ；证据：{ $evidence }
cli-void = ；作废理由：{ $reason }

cli-fingerprint = 指纹 { $fingerprint }
cli-base = 基础分 { $base }；除另有规定外，扣分计 { $deductions } 年，加分计 { $additions } 年
cli-annual-rule = 年度预期：每年净得分至少 { $points }（仅作报告）
cli-tiers = 等级（恢复方式：{ $recovery }）：
cli-below = 以下
cli-locks-years = 锁定 { $years } 年
cli-behaviours = 行为：
cli-forces = ，强制为 { $tier }
cli-years = { $years } 年

cli-entry-raised = 由 { $authority } 提出；法律依据：{ $basis }
cli-entry-facts = 事实：{ $facts }
cli-entry-listed = 列入期间 { $since } 至 { $until }{ $published }
cli-entry-published = （已公示）
cli-entry-repair = 自 { $day } 起可申请信用修复
cli-entry-in-force = { $day } 生效中：适用该名单的惩戒措施
cli-entry-history = 历史：
cli-entry-step = { $day }  { $action } 经办：{ $actor }；{ $detail }


cli-file-entries = 名单条目：{ $count }
cli-file-disputes = 异议：{ $count }
cli-file-dispute = { $id }，针对记录 { $record }，{ $filed } 由 { $by } 提出：{ $grounds }；{ $decision }
cli-file-dispute-decided = { $day } 由 { $by } 决定：{ $outcome }，{ $reasons }
cli-file-dispute-overdue = 已逾期：应于 { $day } 前决定
cli-file-dispute-pending = 待决定；须于 { $day } 前决定
cli-file-may = { $name } 在 { $day } 可以和不可以做的事：
cli-file-checks = 服务提供方的查询：{ $count }
cli-file-reports-about = 关于 { $name } 的已核实公众举报：{ $count }
cli-file-report-about = { $id }（{ $behaviour }，发生于 { $day }）：{ $description }；已成为记录 { $record }（可用 `socred dispute file` 提出异议）；证据：{ $evidence }
cli-file-reports-filed = { $name } 提交的公众举报：{ $count }
cli-file-report-filed = { $id }，关于 { $subject }（{ $behaviour }）：{ $state }
cli-file-accesses = 查看过本档案的人：{ $count }
cli-decision-reason = { $measure }：{ $cause }{ $via }；{ $basis }
cli-decision-via = ，{ $link } { $subject }

cli-linked = { $links }：{ $names }
cli-entry-heading = { $id } — { $title }（{ $state }）

cli-recovery-step-wise = 逐级恢复，每升一级即开始该等级的锁定期
cli-recovery-immediate = 锁定期结束后直接恢复到分数对应的等级
cli-lists = 名单：
cli-list-line = { $code }：{ $title }；申诉期 { $appeal } 天；最长 { $years } 年；公示 { $repair } 年后可申请信用修复；{ $basis }
cli-restrictions = 限制措施（联合惩戒）：{ $count }
cli-rewards = 激励措施（联合激励）：{ $count }
cli-measure-line = { $title }（{ $code }），服务：{ $service }{ $benefit }
cli-measure-benefit = ；优惠：{ $benefit }
cli-measure-when = 适用条件：{ $triggers }
cli-measure-reaches = 适用对象：{ $whom }
cli-measure-basis = 法律依据：{ $basis }
cli-measure-reaches-self = 主体本人
cli-measure-reaches-children = 其子女
cli-measure-reaches-legal-representatives = 该组织的法定代表人
cli-measure-reaches-represented-organisations = 其所代表的组织
cli-list-separator = ；或
cli-and-separator = 、
cli-document-label = { $label }：

# socred demo（crates/socred/src/demo.rs）
cli-demo-summary = 演示库 { $db }：{ $persons } 名自然人、{ $organisations } 个组织、{ $records } 条记录，涵盖 { $years } 年，截至 { $until }（种子 { $seed }），用时 { $seconds } 秒
cli-demo-column-tier = 等级
cli-demo-column-subjects = 主体数
cli-demo-column-share = 占比
cli-demo-try = 可以试试这些主体：
cli-demo-example = { $label }（{ $name }），{ $tier } 级，{ $score } 分
cli-demo-example-convicted-of-an-intentional-crime = 因故意犯罪被判刑者
cli-demo-example-judgment-defaulter = 失信被执行人
cli-demo-example-exemplary-citizen = 模范市民
cli-demo-example-child-with-a-guardian = 有监护人的未成年人
cli-demo-example-legal-representative-of-an-organisation = 组织的法定代表人
cli-demo-example-organisation = 组织
cli-demo-score-hint = 商业信用评分（350-950）及其原因
cli-demo-logins = 演示账户（密码仅用于本演示）：
cli-demo-serving = 正在 http://{ $addr }/ 提供服务（API：http://{ $addr }/api/v1/docs）；按 Ctrl-C 停止
cli-demo-login-citizen = （{ $id } 的档案：已列入名单，可申请信用修复）
cli-demo-login-appellant = （{ $id } 的档案：今日已送达告知书，可申诉）
cli-demo-login-subject = （{ $id } 的档案）
cli-demo-login-officer = （为 { $authority } 记录交通行为）
cli-demo-login-provider = （航空公司：{ $services }）
cli-demo-login-partner = （共享单车运营方：{ $behaviours }）

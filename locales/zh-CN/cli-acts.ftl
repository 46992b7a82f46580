# 命令行在一项行为之后所说的话，以及它的列表：复核队列、公示名单、导入、举报和合作方记录、审计日志、账户和令牌。
# JSON 输出在各种语言中相同。

cli-registered = 已登记{ $kind } { $id }（{ $name }）
cli-already-registered = { $id } 已登记；新增 { $links } 项关联
cli-recorded = 已记录 { $record }，主体 { $subject }（{ $behaviour }，发生于 { $day }）
cli-record-duplicate = { $record } 已以相同内容记录；未作任何更改
cli-voided = 已撤销 { $record }（主体 { $subject }）；该记录留在档案中，标为已撤销
cli-already-void = { $record } 已因相同理由撤销；未作任何更改
cli-rulebook-already-active = 规则集 { $id } { $version } 已在施行
cli-rulebook-activated = 已启用规则集 { $id } { $version }；所有名单条目随之更新
cli-decision-for = { $service } 的判定：{ $id }，{ $day }：
cli-decision-appeal = 申诉：{ $appeal }

cli-act-stored = { $action } { $key }，主体 { $subject }，{ $day }（审计条目 { $seq }）
cli-act-record-void = 记录 { $record } 现已撤销：分数、等级、锁定和名单均已在不计该记录的情况下重新计算
cli-act-reward-void = 举报人就该记录获得的奖励 { $reward } 同时作废
cli-act-duplicate = { $action } { $key } 已记录；未作任何更改
cli-action-list-propose = 拟列入
cli-action-list-serve-notice = 送达告知书
cli-action-list-withdraw = 撤回拟列入
cli-action-appeal-file = 提出申诉
cli-action-appeal-decide = 申诉决定
cli-action-dispute-file = 提出异议
cli-action-dispute-decide = 异议决定
cli-action-repair-apply = 申请信用修复
cli-action-repair-decide = 信用修复决定
cli-action-consent-give = 同意查询商业信用分
cli-action-consent-withdraw = 撤回商业信用分查询同意

cli-published = 公示名单（{ $day }，显示 { $count } 条）
cli-published-row = { $columns } 自 { $since } 至 { $until }，由 { $authority } 列入；{ $basis }

cli-queue = 复核队列（{ $day }）
cli-queue-overdue = 已逾期
cli-queue-appeals = 申诉：{ $count }
cli-queue-appeal = { $id }（第 { $instance } 审）针对 { $entry }，{ $name }（{ $subject }），{ $filed } 提出，须于 { $by } 前决定
cli-queue-disputes = 异议：{ $count }
cli-queue-dispute = { $id }，针对记录 { $record }，{ $name }（{ $subject }），{ $filed } 提出，须于 { $by } 前决定
cli-queue-repairs = 信用修复：{ $count }
cli-queue-repair = { $id }，针对 { $entry }，{ $name }（{ $subject }），{ $applied } 申请，须于 { $by } 前决定
cli-queue-proposals = 待送达告知书的拟列入：{ $count }
cli-queue-proposal = { $id }，{ $name }（{ $subject }），{ $proposed } 由 { $authority } 提出

cli-import-problem = 第 { $line } 行：{ $field }：{ $reason }
cli-import-more-problems = ……另有 { $count } 个问题
cli-imported = 已导入 { $file }：{ $rows } 行，新增 { $inserted } 条，重复 { $duplicates } 条，拒收 { $rejected } 条，用时 { $seconds } 秒{ $audit }
cli-imported-audit = （审计条目 { $seq }）
cli-import-rejects = 拒收的行已写入 { $file }

cli-no-open-reports = 没有待处理的举报
cli-reports-in-state = 举报 { $state } { $count }
cli-no-pending-records = 没有等待复核的合作方记录
cli-pending-record = { $record }，来自 { $partner }：{ $subject } { $behaviour }，发生于 { $day }
cli-pending-confirmed = { $record } 已确认（主体 { $subject }）
cli-pending-rejected = { $record } 已驳回（主体 { $subject }）
cli-pending-already-confirmed = { $record } 早已确认：未作任何更改
cli-pending-already-rejected = { $record } 早已驳回：未作任何更改

cli-audit-intact = 审计日志完整：{ $entries } 个条目，涵盖 { $rows } 行台账；根 { $root }
cli-audit-others-intact = 访问日志完整：{ $accesses } 行；查询日志完整：{ $groups } 组中 { $checks } 次查询；{ $accounts } 个账户和 { $tokens } 个令牌与其封印相符
cli-audit-consistent = 与大小为 { $size } 的检查点一致：其涵盖的内容均未被删除或改写
cli-audit-replay = 情景重放存储：行为的日期由调用方（--on）给出，而非时钟；日界按 UTC{ $offset }
cli-audit-live = 实时存储：每项行为的日期由时钟给出；日界按 UTC{ $offset }
cli-rebuilt = 已重建 { $place }：{ $entries } 个条目，根 { $root }；审计验证通过
cli-rebuilt-unsigned = 导出中没有签名的检查点：其链头仅与导出自身的清单核对

cli-password-set = 已设置 { $username } 的密码；其会话均已结束
cli-account-disabled = 已停用 { $username }；其会话均已结束，令牌不再有效
cli-account-enabled = 已启用 { $username }
cli-second-factor-removed = 已移除 { $username } 的第二因素；可重新注册
cli-account-added = 账户 { $id }：{ $username }（{ $role }）
cli-token-issued = 为 { $username } 签发的令牌 { $id }（仅显示一次；请妥善保存）：
cli-token-revoked = 令牌 { $id } 已撤销
cli-token-revoked-at = 已于 { $at } 撤销
cli-token-expires-at = 于 unix 时间 { $at } 到期

cli-error = 错误：{ $error }
cli-refused-field = { $field }：{ $reason }
cli-audit-broken = 审计链已损坏：{ $detail }

# 举报详情（`report show`、`report queue`）及举报和合作方数据的指标。
cli-report-head = 举报 { $id }：{ $state }，被举报主体 { $subject }（{ $behaviour }，发生于 { $day }），提交于 { $filed }
cli-report-reporter = 举报人：{ $reporter }
cli-report-reporter-stats = （已提交 { $filed } 件，属实 { $verified } 件，驳回 { $rejected } 件，恶意 { $malicious } 件：已决定的举报中 { $share } 被认定为恶意）
cli-report-evidence = 证据 { $hash }（{ $type }，{ $bytes } 字节）
cli-report-same-facts = 相同事实此前已在以下举报中提出：{ $reports }
cli-report-event = { $day } { $state }，操作人 { $actor }{ $reasons }
cli-report-became-record = 已成为记录 { $record }
cli-report-reporters-record = 举报人的记录：{ $record }
cli-report-decision-time = 已决定 { $decided } 件，处理时长：中位数 { $median }，第 90 百分位 { $p90 }，最长 { $max }
cli-report-partner = 合作方 { $partner }：{ $batches } 批（拒收 { $refused } 批），{ $lines } 行，平均每批 { $mean } 行，接受 { $accepted } 行，待复核 { $pending } 行，驳回 { $rejected } 行（{ $rate }）
cli-partner-receipt = 合作机构 { $partner } 批次 { $batch }：共 { $lines } 行，接受 { $accepted } 行，重复 { $duplicates } 行，待审核 { $pending } 行，拒绝 { $rejected } 行
cli-partner-receipt-replayed = 此批次此前已提交：未再次处理。
cli-partner-receipt-nothing-stored = 未存储任何内容。
cli-partner-batch-invalid = { $lines } 行中有 { $rejected } 行无效；未存储任何内容（使用 --skip-invalid 可存储其余各行）
cli-init-key-created = 已创建检查点密钥 { $path }（请将其保存在数据库备份之外）；验证密钥：{ $verifier }
cli-init-key-kept = 使用检查点密钥 { $path }（请将其保存在数据库备份之外）；验证密钥：{ $verifier }
cli-init-created = 已创建 { $place }，信用规则 { $rulebook } { $version }（{ $behaviours } 种行为）
cli-init-created-replay = 已创建 { $place }，信用规则 { $rulebook } { $version }（{ $behaviours } 种行为）；这是回放库：行为可用 --on 指定日期
cli-keygen-created = 已创建 { $path }
cli-keygen-kept = 保留现有密钥 { $path }
cli-keygen-verifier = 验证密钥：{ $verifier }
cli-proof-valid = 证明有效：{ $item } 由审计日志条目 { $seq }（{ $at } 的 { $action }）写入，该条目是日志 { $origin } 在规模 { $size } 时的第 { $leaf } 号叶子，由 { $signer } 签名
cli-exported = 已将 { $origin } 的 { $entries } 个条目（根 { $root }）、{ $reads } 次查阅和 { $checks } 次核查导出到 { $dir }
cli-rebuilt-signed = 重建后的日志头即导出文件中已签名的检查点（规模 { $size }，由 { $signer } 签名）
cli-rebuilt-signed-by-export = 重建后的日志头即导出文件中已签名的检查点（规模 { $size }，由 { $signer } 签名）；该密钥随导出文件而来：请传入 --verifier-key，用您持有的密钥核对
cli-partner-batch-line = { $partner } { $batch }：{ $lines } 行，接受 { $accepted }，重复 { $duplicates }，待确认 { $pending }，拒绝 { $rejected }
cli-partner-batch-line-refused = { $partner } { $batch }：{ $lines } 行，接受 { $accepted }，重复 { $duplicates }，待确认 { $pending }，拒绝 { $rejected }（整批未被接受）
cli-replica-lag = 只读数据库：备用库；尚有 { $bytes } 字节预写日志未重放；最近一次重放的事务在 { $seconds } 秒前
cli-replica-lag-not-standby = 只读数据库：不是备用库；尚有 { $bytes } 字节预写日志未重放；最近一次重放的事务在 { $seconds } 秒前
cli-serve-unsigned = 注意：{ $path } 处没有日志密钥：检查点不会签名（请运行 `socred audit keygen`）

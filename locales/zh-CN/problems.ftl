# 信用规则或评分卡中一处问题的说明（socred_core::rulebook::reasons）。
# 键名、代码和 TOML 的取值按原文给出。

## 文件整体。
problem-file-too-large = 文件为 { $bytes } 字节；信用规则最多 { $max } 字节
problem-syntax = 文件格式有误：{ $detail }

## 各表通用。
problem-text-length = 必须是 1-{ $max } 个字符的文本
problem-text-at-most = 最多 { $max } 个字符的文本
problem-id-format = 必须是 1-{ $max } 个字符，只含 a-z、0-9 和中间的连字符
problem-code-format = { $code } 必须是 1-{ $max } 个字符，只含 a-z、0-9 和中间的连字符
problem-declared-twice = { $code } 声明了两次
problem-listed-twice = { $name } 列出了两次
problem-between = 必须在 { $min } 到 { $max } 之间
problem-between-years = 必须在 { $min } 到 { $max } 年之间
problem-between-days = 必须在 { $min } 到 { $max } 天之间
problem-too-many = 有 { $count } 项；最多 { $max } 项
problem-not-one-of = { $value } 不是以下之一：{ $choices }
problem-not-a-tier = { $name } 不是 [tiers] 中的等级
problem-not-a-behaviour = { $code } 不是本信用规则的行为
problem-not-a-service = { $code } 不是本信用规则的 [[service]]（服务）
problem-not-a-list = { $code } 不是本信用规则的 [[list]]（名单）
problem-points-outside = { $points } 超出 -{ $max }..={ $max } 的范围
problem-subject-kind = 未知的主体类型 { $kind }：应为 person（个人）或 organisation（组织）
problem-applies-to-empty = 必须写明 person（个人）、organisation（组织）或两者
problem-chinese-required = 必填：同一文本的简体中文（信用规则的每段文本都须有中英两种语言）
problem-chinese-characters = 必须用汉字（简体中文）书写

## 信用规则的头部、计分和等级。
problem-version-format = 必须是 1-64 个字符，只含字母、数字和 . _ + -
problem-code-scores-ground = { $code } 以{ $ground }计分，本系统出于原则拒绝（不在范围内；见 BRIEF.md）
problem-category-refused = { $category } 被拒绝：本系统出于原则不对{ $ground }计分（不在范围内；见 BRIEF.md）
problem-category-unknown = { $category } 不是类别；类别为封闭集合：{ $choices }
problem-legal-basis-record = 必填：1-500 个字符，写明允许记录此项的法律
problem-tier-count = 需要 2 到 { $max } 个等级，实有 { $count } 个
problem-tier-name = 必须是 1-8 个字符，只含字母、数字、+ 和 -
problem-min-points-required = 除最后一个等级外，每个等级都必须填写
problem-min-points-on-last = 最后一个等级不得填写：它涵盖上一等级以下的所有分数
problem-min-points-order = { $min } 必须低于上一等级（{ $previous }）；等级须从最好到最差排列

## 名单和正当程序。
problem-legal-basis-list = 必填：1-500 个字符，写明允许设立此名单的法律
problem-consequences-required = 必填：1-2000 个字符，说明列入名单意味着什么
problem-publication-years = 必须在 0 到 max_listing_years 之间
problem-repair-restrictive-only = 信用修复只适用于限制类名单
problem-while-in-tier = 只适用于以等级触发的条件
problem-trigger-one-of = 一个触发条件须且只须写明 behaviour（行为）或 tier（等级）之一
problem-list-needs-trigger = 名单需要触发条件，或写明 manual = true

## 服务和措施。
problem-not-a-behaviour-table = { $code } 不是本信用规则的 [[behaviour]]（行为）
problem-measure-needs-trigger = 措施需要触发条件：lists、tiers、records 或其中几项
problem-measure-extends = 不直接适用的措施必须延及某些人
problem-legal-basis-measure = 必填：1-500 个字符，写明允许此措施的法律
problem-reward-needs-benefit = 激励措施须写明其优待
problem-benefit-only-rewards = 只有激励措施才有优待
problem-benefit-format = 必须是 1-64 个字符，只含 a-z、0-9 和 -

## 举报、限额和机关。
problem-reportable-at-most = 最多 { $max } 种行为
problem-reward-must-add = { $code } 计 { $points } 分；举报奖励的行为必须加分
problem-malicious-must-deduct = { $code } 计 { $points } 分；恶意举报的行为必须扣分
problem-media-type-unknown = { $media_type } 不是本系统能按内容识别的类型；应为以下之一：{ $choices }
problem-lines-per-day = 不得少于 partner_lines_per_subject_per_batch
problem-name-spaces = 首尾不得有空格：记录须准确写出其名称
problem-address-required = 填写 address_zh 时必填：每段文本都须有中英两种语言

## 评分卡。
problem-scorecard-version-format = 必须是 1-32 个字符，只含字母、数字、点和连字符
problem-scaling-range = 须满足 0 < min_score < max_score <= 10000
problem-scaling-base-score = 必须在 min_score..=max_score 之内
problem-scaling-base-odds = 必须是大于 0、不超过 1000000 的数（好坏比）
problem-scaling-double-odds = 必须是大于 0、不超过 1000 的数
problem-scaling-base-points = 必须在 -10000..=10000 之内
problem-characteristic-count = 评分卡需要 1-{ $max } 个特征
problem-scorecard-reads-ground = { $code } 读取{ $ground }；本系统出于原则拒绝，商业评分与信用规则一样（见 BRIEF.md）
problem-reason-code-format = 必须是 1-8 个字符，只含 A-Z 和 0-9
problem-dimension-unknown = { $dimension } 不是维度；维度为封闭集合：{ $choices }
problem-behaviour-count = 须写明信用规则中的 1-64 种行为
problem-not-a-behaviour-of = { $code } 不是信用规则 { $rulebook } { $version } 的行为
problem-window-longer = { $years } 年长于信用规则下 { $code } 的记录计入的 { $record_years } 年
problem-history-of-deduction = { $code } 是扣分行为：信用历史只计非扣分的记录（不良记录按其年限计入）
problem-window-required = 记录计数需要 1..={ $max } 之内的 window_years
problem-history-no-window = history-years 从最早的记录起算：不取时间窗口
problem-source-unknown = { $source } 不是数据来源；来源为封闭集合：records、history-years
problem-monotone-unknown = { $value } 不是 increasing（递增）或 decreasing（递减）
problem-bin-count = 需要 2-{ $max } 个分段
problem-bin-open-not-last = 只有最后一个分段可以不设上限
problem-bin-last-closed = 最后一个分段涵盖上一分段以上的所有值：不设 up_to
problem-bin-up-to = { $up_to } 必须不小于 { $from }（每个分段都在上一分段之上）且小于 100000
problem-bin-not-increasing = 该特征声明为递增，但第 { $bin } 个分段在 { $previous } 之后给出 { $points }
problem-bin-not-decreasing = 该特征声明为递减，但第 { $bin } 个分段在 { $previous } 之后给出 { $points }

## 本系统拒绝计分的理由，出现在上述拒绝之中。
problem-ground-political-opinion = 政治观点
problem-ground-criticism = 对政府的批评
problem-ground-speech = 言论
problem-ground-petitioning = 信访
problem-ground-assembly = 信访和集会
problem-ground-religion = 宗教
problem-ground-ethnicity = 民族
problem-ground-family-size = 家庭规模
problem-ground-private-life = 私人或家庭生活
problem-ground-location = 位置追踪
problem-ground-lifestyle = 生活方式
problem-ground-association = 与何人交往
problem-ground-surveillance = 监控数据
problem-ground-browsing = 浏览记录
problem-ground-purchases = 购买记录

# 政策影响评估：`socred policy compare` 及影响评估页面。

cli-policy-heading = { $day } 政策影响评估：以 { $after } 取代 { $before }，共 { $subjects } 个主体（其中 { $full } 份档案完整读取）
cli-policy-tiers = 各信用等级主体数（之前 -> 之后）：
cli-policy-transitions = 等级变动：
cli-policy-nobody-moves = 无人变动等级
cli-policy-lists = 名单在册或待列入条目（之前 -> 之后）：
cli-policy-list-row = { $list }：{ $before } -> { $after }（新增 { $gained }，减少 { $lost }）
cli-policy-measures = 结果有变的服务（之前 -> 之后；{ $unchanged } 项未变）：
cli-policy-measure-denied = { $service }，受限制：{ $before } -> { $after }
cli-policy-measure-benefit = { $service }，享受激励：{ $before } -> { $after }
cli-policy-points = 各分位数的积分：
cli-policy-before = 之前
cli-policy-after = 之后
cli-policy-largest = 变动最大的主体：
cli-policy-cause = { $behaviour }：{ $before } -> { $after } 分
cli-policy-adverse = 受不利影响（等级降低、新增受限服务或新列入黑名单）：{ $subjects } 个主体中 { $adverse } 个（{ $rate }）。按群体（受不利影响人数 / 群体人数，与总体比率之比）：
cli-policy-outside = 超出五分之四规则区间
cli-policy-too-small = 人数过少，不作判断
cli-policy-dimension-province = 省份
cli-policy-dimension-age-band = 年龄段
cli-policy-dimension-sex = 性别
cli-policy-dimension-organisation-type = 组织类型
cli-policy-digest = 摘要（SHA-256）：{ $digest }

# `socred sim run`
cli-sim-done = 已模拟 { $subjects } 个主体 { $years } 年，共 { $rulebooks } 套规则；结果写入 { $dir }：{ $files }
cli-sim-last-year = { $rulebook }，{ $year } 年：{ $restricted } 个主体受限制，其中 { $falsely } 个仅因未更正的错误记录受限（{ $rate }）；错误记录按期更正 { $corrected } 条，逾期更正 { $late } 条；逾期未办结案件 { $overdue } 件

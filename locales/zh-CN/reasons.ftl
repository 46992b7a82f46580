# 输入未被接受的原因（crates/socred-i18n/src/reasons.rs）。

reason-id-input = { $input }：{ $reason }
reason-id-length = 必须为 18 个字符，实际为 { $count } 个
reason-id-charset = 第 { $position } 个字符（{ $found }）不允许：{ $expected }
reason-id-expected-digits = 第 1 至 17 位必须是数字
reason-id-expected-check = 校验码必须是数字或 X
reason-id-expected-code = 只能是数字和除 I、O、S、V、Z 以外的大写字母
reason-id-expected-ascii = 只能是 ASCII 数字和字母
reason-id-region = 行政区划代码 { $region } 不以省级代码开头（GB/T 2260）
reason-id-date = 出生日期 { $date } 不是 1800 年以后的有效日期
reason-id-authority = 登记管理部门代码 { $code } 不是 1-9、A、N、Y 之一（GB 32100）
reason-id-check = 校验码为 { $found }，应为 { $expected }
reason-id-ambiguous = 既是有效的居民身份证号码，也是有效的统一社会信用代码；请说明是哪一种
reason-id-born-in-future = 出生日期 { $date } 晚于今天；居民身份证号码只签发给已出生的人
reason-id-born-too-long-ago = 出生日期 { $date } 早于今天 { $years } 年以上
reason-id-neither = 既不是居民身份证号码（{ $person }），也不是统一社会信用代码（{ $organisation }）
reason-field-empty = 不能为空
reason-field-too-long = 长度为 { $count } 个字符；最多 { $max } 个
reason-field-charset = 包含 { $found }；只允许字母、数字以及 . _ : -
reason-field-control = 包含控制字符
reason-field-format = 格式必须为 { $form }
reason-date-format = { $input } 不是 YYYY-MM-DD 格式的日期
reason-date-calendar = { $input } 不是有效的日历日期
reason-date-range = { $input } 超出支持的范围 1900-01-01 至 2999-12-31
reason-unknown-subject = 主体 { $id } 未登记
reason-unknown-record = 记录 { $id } 不存在

# 可直接发送的邮件文本（crates/socred-i18n/src/mail.rs）：正当程序告知当事人的内容。
# 每个 id 在 en/mail.ftl 中也必须存在。

mail-greeting = 尊敬的{ $name }：
mail-footer = 本邮件由 socred 根据您的档案生成。它绝不会向您索取密码或付款，对本邮件的回复无人阅读。
mail-respond-at = 您的完整档案（每一条记录以及查阅过档案的人），以及提出申诉、对记录提出异议或申请信用修复的表格：{ $address }
mail-respond = 登录 socred 并打开您的档案，即可查看每一条记录以及查阅过档案的人，并提出申诉、对记录提出异议或申请信用修复。

mail-notice-subject = 告知书：拟将您列入{ $list }，申诉截止日期为{ $deadline }
mail-notice-subject-no-appeal = 告知书：您将自{ $day }起被列入{ $list }
mail-notice-opening = { $authority }于{ $day }向您送达书面告知书（编号 { $entry }）：拟将您列入{ $list }。列入生效之前，不适用任何惩戒措施。
mail-notice-facts = 事实：
mail-notice-basis = 法律依据：
mail-notice-consequences = 后果：
mail-notice-consequences-text = 您将被列入{ $list }，期限最长 { $years } 年。{ $consequences }
mail-notice-appeal = 您可以在{ $deadline }（含当日）之前以书面形式提出申诉并说明理由；申诉期间暂停列入，直至作出决定。如您不申诉，列入将于{ $day }生效。
mail-notice-no-appeal = 此名单不设申诉期；该条目于{ $day }生效。
mail-notice-repair = 公示满 { $years } 年后，您可以在证明已履行义务后申请信用修复。您档案中的任何记录都可以随时提出异议。

mail-decided-on = { $by }于{ $day }作出决定：
mail-reasons = 决定理由：
mail-appeal-upheld = 您针对{ $list }条目 { $entry } 提出的申诉（{ $case }）被驳回：维持列入决定。
mail-appeal-upheld-subject = 您的申诉 { $case }：维持列入{ $list }的决定
mail-appeal-overturned = 您针对{ $list }条目 { $entry } 提出的申诉（{ $case }）成立：撤销列入决定及其全部效果。
mail-appeal-overturned-subject = 您的申诉 { $case }：撤销列入{ $list }的决定
mail-appeal-second-instance = 您可以在与第一次申诉相同的天数内，对本决定再申诉一次。
mail-repair-approved = 您就{ $list }条目 { $entry } 提出的信用修复申请（{ $case }）已获批准：自本决定之日起停止公示。
mail-repair-approved-subject = 信用修复申请 { $case }：已批准
mail-repair-refused = 您就{ $list }条目 { $entry } 提出的信用修复申请（{ $case }）未获批准：该条目继续公示。
mail-repair-refused-subject = 信用修复申请 { $case }：未获批准
mail-dispute-upheld = 您对记录 { $record } 提出的异议（{ $case }）成立：该记录作废，不再产生任何影响。
mail-dispute-upheld-subject = 您的异议 { $case }：记录 { $record } 作废
mail-dispute-rejected = 您对记录 { $record } 提出的异议（{ $case }）不成立：该记录维持。
mail-dispute-rejected-subject = 您的异议 { $case }：记录 { $record } 维持

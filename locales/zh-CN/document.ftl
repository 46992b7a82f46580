# 书面告知书（crates/socred-i18n/src/document.rs）：门户的可打印页面及命令行的 `list notice`。

document-title = 拟列入{ $list }书面告知书
document-case-number = 告知书编号
document-to = 当事人
document-addressee = { $name }（{ $id }，{ $kind }）
document-issued-by = 作出机关
document-authority-address = 机关地址
document-served-on = 送达日期
document-numbered = { $number ->
    [1] 一
    [2] 二
    [3] 三
    [4] 四
    [5] 五
    [6] 六
   *[other] { $number }
}、{ $heading }
document-facts = 事实
document-basis = 法律依据
document-consequences = 后果
document-consequences-text = 您将被列入{ $list }，期限最长 { $years } 年。{ $consequences }
document-no-measure-yet = 列入生效之前，不适用任何惩戒措施。
document-how-to-appeal = 申诉方式
document-appeal = 申诉
document-appeal-until = 您可以在 { $deadline }（含当日）之前以书面形式提出申诉，并说明理由。
document-on-the-portal-at = 网上办理：登录 { $address } 查看您的档案，所有表格均在其中。
document-on-the-portal = 网上办理：登录 socred 查看您的档案，所有表格均在其中。
document-by-post = 邮寄办理：寄至{ $address }，并注明上述告知书编号。
document-appeal-suspends = 申诉期间暂停列入，直至作出决定。
document-second-instance = 维持列入的决定可以在相同天数内再申诉一次。
document-unappealed = 如您不申诉，列入将于 { $day } 生效。
document-no-appeal = 此名单不设申诉期；该条目于 { $day } 生效。
document-file = 您的档案
document-file-text = 您可以查阅完整档案，包括每一条记录以及查阅过档案的人。
document-repair = 信用修复
document-repair-text = 公示满 { $years } 年后，您可以在证明已履行义务{ $commitment }后申请信用修复。
document-repair-commitment = 并提交信用承诺书
document-dispute = 您档案中的任何记录都可以随时提出异议。
document-back = 返回我的档案
document-not-found = 您没有此编号的告知书。
document-print-hint = 使用浏览器的打印功能即可打印：页面打印为一页，不含网站菜单。
document-pdf-link = 下载 PDF
document-format-refused = 格式（format）：只能为 pdf，或省略以查看页面。
document-pdf-unavailable-title = 暂无法提供 PDF
document-pdf-unavailable = 本服务器缺少生成 PDF 告知书所需的字体，暂无法提供 PDF。告知书页面可直接用浏览器打印为一页。
cli-notice-pdf-written = 告知书已写入 { $path }（{ $bytes } 字节）。
document-link = 书面告知书（可打印）

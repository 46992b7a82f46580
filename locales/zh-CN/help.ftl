# 命令行帮助：每个命令和选项一条消息，值为简短帮助，`.long` 为详细帮助（英文有详细帮助时）。
# 英文文件由 crates/socred/src/cli.rs 的文档注释生成；本文件须含英文文件的每一条。

help =
    socred：透明、依正当程序运作的社会信用账本
    .long =
    socred：透明、依正当程序运作的社会信用账本。

    每个分数都可解释（`socred show`），每条记录都在只增不改的账本上，受哈希链审计日志保护（`socred audit verify`）。

help--db =
    存储文件

help--log_key =
    为日志检查点签名的密钥，保存在数据库之外（默认：存储路径后加 `.log-key`）

help--read_db =
    仅限 PostgreSQL：--db 的热备库，档案读取（`show`、`subject show`）发往此处；可能落后于主库，落后时间为其回放延迟

help--public_url =
    网站的公开地址（https://…），可直接发送的邮件文本链接到此（`mail`，以及服务运行时 API 的文本）

help--actor =
    执行者，按此名写入审计日志

help--on =
    仅限回放存储：本命令的行为所记日期及读取的默认日期（YYYY-MM-DD）。实时存储一律按时钟记日期，拒绝此选项

help--lang =
    人读输出的语言：en 或 zh-CN（默认：按 LC_ALL、LC_MESSAGES 或 LANG 的区域设置；否则英文）。JSON 输出两种语言相同

help--scorecard =
    `score` 各命令和 `serve` 使用的商业评分卡（TOML）（默认：内置的 scorecards/default.toml）。会对照现行规则手册检查

help__init =
    新建一个空存储

help__init--rulebook =
    初始规则手册（默认：内置的 rulebooks/default.toml）

help__init--replay =
    用于情景回放的存储：每个命令都可用 --on 为其行为指定日期。`audit head` 和服务器生成的每个页面都会注明

help__init--utc_offset =
    存储所用日历日的时区，以相对 UTC 的偏移表示

help__init--origin =
    检查点中日志的名称，例如 credit.example.gov/city（默认：socred/ 加随机标识）

help__rulebook =
    检查、查看或更换规则手册

help__rulebook__check =
    校验规则手册文件，报告每个问题（文件、行、键、原因）

help__rulebook__show =
    显示现行规则手册

help__rulebook__activate =
    启用新版本规则手册（有版本、记入审计的事件）
    .long =
    启用新版本规则手册（有版本、记入审计的事件）。

    需要针对当前存储、对这份规则手册本身所作的影响评估：先运行 `socred policy compare --rulebook FILE --json > impact.json`，再用 `--impact impact.json`。比较会重新计算且须一致；其摘要随启用一起写入审计日志。

help__rulebook__activate--impact =
    由 `socred policy compare --json` 保存的比较结果

help__rulebook__activate--skip_impact =
    不作影响评估即启用：仅限没有主体的存储

help__rulebook__activate--reason =
    不作影响评估的理由（随启用记入审计）

help__subject =
    登记和查询主体（自然人和组织）

help__subject__add =
    登记自然人或组织。幂等：以相同号码和名称再次登记不产生变化

help__subject__add--id =
    公民身份号码（自然人）或统一社会信用代码（组织）

help__subject__add--name =
    全名

help__subject__add--kind =
    person（自然人）或 organisation（组织）（默认：由号码判断）

help__subject__add--guardian =
    担任此人监护人的已登记自然人（可重复）

help__subject__add--represents =
    此人担任法定代表人的已登记组织（可重复）

help__subject__show =
    显示主体及其关联

help__record =
    新增或撤销信用记录

help__record__add =
    记录一项行为。按记录编号幂等

help__record__add--behaviour =
    规则手册中的行为代码

help__record__add--at =
    发生日期（YYYY-MM-DD）

help__record__add--source =
    作出记录的机关

help__record__add--evidence =
    证据的出处（案号、文书）

help__record__add--record_id =
    由客户端指定的编号；默认由内容生成，因此重复同一命令只记录一次

help__record__void =
    撤销一条记录：它在各处都不再计算，但仍留在档案中

help__import =
    从 NDJSON 或 CSV 文件导入记录，全部成功或全部不存
    .long =
    从 NDJSON 或 CSV 文件导入记录，全部成功或全部不存。

    NDJSON：每行一个对象，含 subject、behaviour、at（YYYY-MM-DD）、source，可选 id 和 evidence。CSV：表头写明相同的列。没有编号的行由其内容生成编号，因此同一文件导入两次只存储一次。

help__import--file =
    要导入的文件

help__import--format =
    文件格式（默认：按文件扩展名）

help__import--skip_invalid =
    存储有效的行，把无效的行写入退回文件，而不是拒绝整个文件

help__import--rejects =
    使用 --skip-invalid 时退回行的去处（默认：FILE.rejected）

help__import--partner =
    以此合作方账户（用户名）导入：仅限其协议中的行为，以其名称为来源，保留回执；仅限 NDJSON

help__import--batch_id =
    与 --partner 合用：批次编号（默认：由文件内容生成）。已见过的批次编号不产生任何变化

help__import--json =
    以 JSON 输出回执

help__show =
    显示主体的分数、等级、锁定，以及每一分的解释

help__show--id =
    公民身份号码或统一社会信用代码

help__show--as_of =
    评估所依据的日期（默认：今天，或 --known-on）

help__show--known_on =
    按账本在该日结束时的状态作答：只含当时已记录的内容，依当时的现行规则手册

help__show--purpose =
    查阅档案的事由（向主体显示）

help__demo =
    以合成的、按种子生成的人口新建存储，并输出摘要
    .long =
    以合成的、按种子生成的人口新建存储，并输出摘要。

    会替换先前演示所建的存储；拒绝触碰其他任何存储。

help__demo--subjects =
    生成的主体数量

help__demo--seed =
    随机种子：相同的种子生成相同的人口

help__demo--until =
    生成历史的最后一天，也是摘要的日期（默认：今天）

help__demo--years =
    生成多少年的记录

help__demo--serve =
    随后在演示存储上启动服务器，附演示账户，并输出网址和登录信息

help__demo--addr =
    --serve 使用的地址

help__serve =
    运行 HTTP 服务器：JSON API、网页界面、/healthz、/metrics。按 Ctrl-C 或收到 SIGTERM 时平稳停止

help__serve--readers =
    连接池中的读连接数（默认：核心数的 2 倍）

help__serve--insecure_cookies =
    不给 Cookie 加 Secure 标记（仅用于 localhost 以外主机上的明文 HTTP 之后）

help__serve--log_json =
    以 JSON 行而非文本写日志

help__serve--trusted_proxies =
    其 X-Forwarded-For 标明客户端的反向代理（TLS 终结端）（可重复）。此时速率限制按客户端地址而非代理地址计算

help__export =
    把整个存储写入 DIR，成为领域值文件（逐条的账本、访问日志和查验日志、证据、规则手册），附以 --log-key 签名的检查点：备份格式，任何后端都可读取

help__export--dir =
    尚不存在或为空的目录

help__import-store =
    由导出在 --db（须尚不存在）重建存储；每个摘要和哈希都重新计算，头部须与导出一致

help__import-store--verifier_key =
    导出的检查点须由其签名的密钥（文本或文件）；默认：导出所附的验证密钥

help__audit =
    核验和阅读审计日志；检查点和包含证明

help__audit__verify =
    检查数据库完整性，重新计算每个条目对账本行的摘要、默克尔根、账户和令牌的封印，以及访问日志和查验日志；使用 --checkpoint 时，还证明存储是先前保存的检查点的延续

help__audit__verify--checkpoint =
    先前取得的已签名检查点（`socred audit checkpoint`）

help__audit__verify--verifier_key =
    检查点须由其签名的密钥：密钥文本（name+id+key）或存有它的文件。默认：--log-key 的公钥部分

help__audit__keygen =
    创建为检查点签名的密钥（--log-key），已存在则不创建

help__audit__verifier-key =
    输出验证检查点的公钥：交给保存检查点的人

help__audit__checkpoint =
    以已签名检查点输出当前头部（C2SP tlog-checkpoint）

help__audit__prove =
    输出一条记录或一个正当程序事件在日志中的证明，或核验一份证明（--verify FILE）

help__audit__prove--record =
    要证明的记录

help__audit__prove--case =
    要证明的事件所属的案件（名单条目、申诉或异议的编号）

help__audit__prove--event =
    --case 的事件种类

help__audit__prove--verify =
    改为核验这份证明文件

help__audit__prove--verifier_key =
    证明的检查点须由其签名的密钥（见 `verify`）

help__audit__log =
    最新的审计条目

help__audit__head =
    最新条目的序号和叶哈希，以及存储如何为行为记日期

help__list =
    黑名单和红名单条目：提议、送达告知、撤回、查看、公开名单

help__list__propose =
    依复核人的决定、写明法律依据，提议一个条目

help__list__propose--list =
    名单代码（例如 blacklist、redlist）

help__list__propose--case_id =
    由客户端指定的案件编号（默认：由内容生成）

help__list__serve =
    送达提议条目的书面告知；申诉期开始

help__list__withdraw =
    撤回尚未列入的条目

help__list__show =
    条目及其状态和完整历史

help__list__notice =
    条目的书面告知，可直接打印

help__list__notice--pdf =
    另将告知以一页 A4 PDF 写入此文件，使用输出语言（字体：SOCRED_FONT_LATIN、SOCRED_FONT_HAN，或 Debian 的 fonts-dejavu-core 和 fonts-droid-fallback）

help__list__public =
    公开名单：姓名、遮蔽的号码、机关、法律依据、起始日、截止日

help__list__public--search =
    姓名的一部分，或名单上显示的遮蔽号码

help__list__public--authority =
    列入机关，按名单上任一语言的名称

help__list__public--region =
    省（`11`，行政区划代码的前两位）或市（`1101`，前四位）

help__appeal =
    对名单条目提出申诉（在期限内）并决定申诉

help__appeal__file =
    对名单条目提出申诉（告知后期限内的一审；名单允许时，可对维持决定再申诉一次）

help__appeal__decide =
    决定申诉（不能是自己提出的，也不能是针对自己提议的条目）

help__appeal__decide--outcome--uphold =
    列入决定维持不变

help__appeal__decide--outcome--overturn =
    撤销列入决定；条目及其效果一并撤回

help__dispute =
    随时对档案中的任何记录提出异议，并决定异议

help__dispute__file =
    对一条记录提出异议；决定之前标为有异议

help__dispute__decide =
    决定异议（不能是自己提出的，也不能是针对自己作出的记录）

help__dispute__decide--outcome--uphold =
    异议成立：记录撤销，一切重新计算

help__dispute__decide--outcome--reject =
    记录维持不变

help__repair =
    信用修复：最短公示期后，证明义务已履行

help__repair__apply =
    为已列入的条目申请信用修复

help__repair__apply--evidence =
    义务如何履行（例如已履行判决）

help__repair__apply--commitment =
    名单要求时附的信用承诺书

help__repair__decide =
    决定修复申请（不能是自己的）

help__repair__decide--outcome--approve =
    信用已修复：公示于今日结束

help__file =
    主体的完整档案：记录、解释、名单条目、告知、申诉、异议、修复，以及对档案的每一次访问

help__file--known_on =
    按账本在该日结束时的状态作答

help__file--purpose =
    查阅档案的事由（向主体显示）

help__mail =
    正当程序应向主体发出的每份可直接发送的邮件文本（每次送达的告知，对申诉、修复或异议的每个决定），使用 --lang 所指语言，为邮件程序可发送的互联网邮件格式；socred 本身不发送任何邮件

help__mail--purpose =
    查阅档案的事由（向主体显示）

help__check =
    判定主体可否使用某项服务，并附理由；像服务提供方的查验一样记入日志

help__check--service =
    规则手册中的服务类别（例如 civil-aviation）

help__check--known_on =
    按账本在该日结束时的状态作答：即当时告知服务提供方的内容

help__report =
    举报

help__report__file =
    对某人提出公开举报（以 --reporter 所指举报人的名义）。核实之前不产生任何效果

help__report__file--reporter =
    举报人的号码（其将获奖励或受处罚）

help__report__file--subject =
    被举报人

help__report__file--at =
    发生日期（YYYY-MM-DD）

help__report__file--evidence =
    证据文件（按规则手册，可为 PNG、JPEG、PDF 或文本）；多个文件可重复

help__report__review =
    受理一份已提交的举报进行审查（以 --actor 的名义）

help__report__decide =
    决定自己受理审查的举报：属实、驳回或恶意

help__report__show =
    一份举报，附其历史和举报人的记录

help__report__queue =
    未结的举报，最早的在前

help__report__metrics =
    按状态统计的举报和决定用时；合作方批次和拒收率

help__report__annual =
    一年净增分低于规则手册年度预期的主体（默认 CSV）

help__partner =
    数据合作方：回执，以及等待复核人确认的记录

help__partner__pending =
    等待复核人确认的合作方记录

help__partner__confirm =
    确认一条待定的合作方记录：它成为记录并开始计算

help__partner__reject =
    拒绝一条待定的合作方记录：它永不计算

help__partner__batches =
    合作方批次的回执，最新的在前

help__partner__batches--partner =
    只看此合作方的

help__account =
    服务器的账户

help__account__add =
    为服务器创建账户（实际上仅限管理员：即运行本命令行的人）

help__account__add--role =
    subject（主体）、officer（工作人员）、reviewer（复核人）、provider（服务提供方）、partner（合作方）、auditor（审计员）或 admin（管理员）

help__account__add--subject =
    主体账户：是谁的档案

help__account__add--authority =
    工作人员：其作出记录所代表的机关

help__account__add--services =
    服务提供方：可查询的服务类别（可重复）

help__account__add--behaviours =
    合作方：其协议中的行为；工作人员：其机关有权记录的行为（不指定：所有行为）。可重复

help__account__add--password_stdin =
    从标准输入的第一行读取密码（否则：仅用令牌的账户）

help__account__list =
    列出账户

help__account__password =
    从标准输入的第一行设置账户密码（管理员重置）：12 至 256 个字符，不得为用户名，不得为常见密码。该账户的所有会话随即结束

help__account__disable =
    停用账户：其会话结束，其令牌不再能认证

help__account__enable =
    启用已停用的账户

help__account__remove-second-factor =
    移除账户的第二因素（设备丢失）；可重新登记

help__token =
    供机器使用的 API 令牌

help__token__issue =
    为账户签发 API 令牌；只显示一次，以哈希形式存储

help__token__issue--expires_in_days =
    令牌失效前的天数（1 至 365）

help__token__revoke =
    按编号吊销令牌

help__token__list =
    列出账户的令牌（从不显示其密文）

help__sim =
    在一份或多份规则手册下逐年模拟人口

help__sim__run =
    在每份规则手册下逐年模拟按种子生成的人口，并列比较
    .long =
    在每份规则手册下逐年模拟按种子生成的人口，并列比较。
    行为按类型抽取；受限制的主体按 --deterrence 减少其扣分行为；一部分扣分记录有误，其中一些被提出异议（异议成立则撤销该记录）；条目被申诉、修复被申请（其结果不作模拟）；复核人每月决定一定数量的案件。按年度和规则手册给出：各等级人数、受各项措施的主体、提出和逾期的案件、在异议期限内纠正的错误记录数，以及错误制裁率（仅因未纠正的错误记录而受限制的主体）。把 summary.csv、tiers.csv、measures.csv 和 simulation.json 写入 --out。相同的参数生成相同的字节。

help__sim__run--first_year =
    模拟的第一年（默认：明年）

help__sim__run--rulebook =
    要运行的规则手册（重复以并列运行多份；默认：内置的一份）

help__sim__run--deterrence =
    受限制的主体减少其扣分行为的比例（0 至 1）

help__sim__run--error_rate =
    有误的扣分记录所占比例（0 至 1）

help__sim__run--dispute_rate =
    主体对错误记录提出异议的比例（0 至 1）

help__sim__run--appeal_rate =
    新名单条目被申诉的比例（0 至 1）

help__sim__run--repair_rate =
    被列入的主体一年内申请修复的比例（0 至 1）

help__sim__run--reviewer_capacity =
    复核人每月决定的案件数

help__sim__run--out =
    写入的目录（不存在则创建）

help__sim__run--json =
    另以 JSON 输出完整结果

help__policy =
    政策影响：一份拟议规则手册在启用前会产生什么影响

help__policy__compare =
    拟议规则手册与现行规则手册相比，对存储中每个主体的影响
    .long =
    拟议规则手册与现行规则手册相比，对存储中每个主体的影响。
    等级迁移、增加和减少的名单条目、各项服务拒绝或奖励的主体、分数分布、最大的个体变化及其原因，以及按省份、年龄段、性别和组织类型的影响（依五分之四规则）。`--json` 给出完整结果，附 `rulebook activate --impact` 所核对的摘要。

help__policy__compare--rulebook =
    拟议的规则手册（TOML）

help__policy__compare--as_of =
    比较所依据的日期（默认：今天）

help__policy__compare--plots =
    另把等级、迁移矩阵以及按省份和年龄段的影响绘入此目录，格式为 SVG 和 PNG

help__score =
    商业信用分（350 至 950）：`socred score ID` 为主体评分，附扣分最多的四个原因；各子命令用于检查、拟合和监测评分卡

help__score--id =
    要评分的主体

help__score--as_of =
    评分所依据的日期（默认：今天）

help__score--purpose =
    查阅主体数据的事由（向主体显示）

help__score__check =
    对照规则手册（默认：内置的一份）校验评分卡：被拒绝的依据、未知的行为、有间隙或违背其声明方向的分箱

help__score__monitor =
    两个日期的分数分布，以及两者之间的群体稳定性指数

help__score__monitor--plots =
    另把两个分布绘入此目录，格式为 SVG 和 PNG

help__score__sample =
    由模拟器写出带标签的样本：按评分卡特征评分的合成档案，各附一个潜在的还款结果（一年内是否违约）

help__score__sample--out =
    要写入的 CSV 文件（--scorecard 评分卡的每个特征一列）

help__score__fit =
    在带标签的样本上拟合评分卡的分值：每个分箱的证据权重（评分卡声明方向时使其单调）、逻辑回归、按评分卡的基础分、基础比率和比率翻倍分值换算分数。报告 AUC、Gini、KS 和校准情况

help__score__fit--template =
    要拟合其特征和分箱的评分卡（默认：--scorecard 的，否则内置的一份）

help__score__fit--card_version =
    写出的评分卡的版本

help__queue =
    复核人待决的事项：申诉、异议、修复、提议，附期限

help__queue--overdue =
    只看已过期限的

// Chinese by default, English on request; the choice is kept on the phone.

const STRINGS = {
  app_name: ["织网采集", "Zhiwang collector"],
  brand: ["织网采集", "Zhiwang"],
  sign_in: ["登录", "Sign in"],
  sign_in_again: ["请重新登录（本机数据会保留）", "Please sign in again (data on this phone is kept)"],
  username: ["用户名", "Username"],
  password: ["密码", "Password"],
  sign_in_failed: ["用户名或密码错误", "Wrong username or password"],
  first_sign_in_online: ["首次登录需要联网", "The first sign-in needs a network connection"],
  other_user_unsent: ["本机还有 {n} 条未上传的数据属于 {user}，请先由其登录并同步", "This phone holds {n} unsent items of {user}: sign in as them and sync first"],
  sign_out: ["退出登录", "Sign out"],
  tab_map: ["地图", "Map"],
  tab_records: ["记录", "Records"],
  tab_new: ["新增", "New"],
  tab_outbox: ["待传", "Outbox"],
  checks_title: ["预警防御检查", "Warning checks"],
  hazard_typhoon: ["台风", "Typhoon"],
  hazard_rainstorm: ["暴雨", "Rainstorm"],
  level_white: ["白色", "white"],
  level_blue: ["蓝色", "blue"],
  level_yellow: ["黄色", "yellow"],
  level_orange: ["橙色", "orange"],
  level_red: ["红色", "red"],
  task_do: ["需：", "To do: "],
  action_patrol: ["巡查", "patrol"],
  action_reinforce: ["加固", "reinforce"],
  action_stop_work: ["停工", "stop work"],
  action_evacuate: ["转移人员", "evacuate people"],
  action_close: ["封闭", "close"],
  action_open: ["开放避难场所", "open the shelter"],
  action_standby: ["待命", "stand by"],
  responsible: ["责任人：", "Responsible: "],
  nearest: ["最近避难场所/物资：", "Nearest shelters/resources: "],
  report_check: ["报告检查结果", "Report the check"],
  check_waiting: ["已检查，待上传", "Checked, waiting to upload"],
  check_safe: ["已检查：安全", "Checked: safe"],
  check_hazard: ["已检查：发现隐患", "Checked: hazard found"],
  check_evacuated: ["已检查：已转移人员", "Checked: people evacuated"],
  check_closed: ["预警已解除", "Warning stood down"],
  online: ["在线", "Online"],
  offline: ["离线", "Offline"],
  sync: ["同步", "Sync"],
  syncing: ["同步中…", "Syncing…"],
  synced_at: ["上次同步 {time}", "Last sync {time}"],
  never_synced: ["尚未同步", "Not synced yet"],
  sync_failed: ["同步失败：{reason}", "Sync failed: {reason}"],
  sync_offline: ["无网络，数据已保存在本机，联网后自动上传", "No network: saved on this phone, uploads when the network returns"],
  search: ["搜索姓名、证件号、电话、地址", "Search name, ID, phone, address"],
  all_kinds: ["全部", "All"],
  no_records: ["暂无记录", "No records yet"],
  records_count: ["共 {n} 条", "{n} records"],
  choose_form: ["选择表单", "Choose a form"],
  save: ["保存", "Save"],
  save_and_fix: ["修改后重新提交", "Save and resend"],
  cancel: ["取消", "Cancel"],
  edit: ["修改", "Edit"],
  back: ["返回", "Back"],
  required_mark: ["必填", "required"],
  choose: ["请选择", "Choose"],
  none_chosen: ["（不选）", "(none)"],
  location: ["位置", "Location"],
  gps_waiting: ["正在定位…", "Finding your position…"],
  gps_accuracy: ["精度 ±{m} 米", "accuracy ±{m} m"],
  gps_failed: ["无法定位：{reason}", "No position: {reason}"],
  gps_again: ["重新定位", "Locate again"],
  gps_needed: ["需要定位后才能保存", "A position is needed before saving"],
  fix_errors: ["请更正标红的 {n} 项", "Please correct the {n} fields marked in red"],
  server_errors: ["服务器退回：请更正后重新提交", "Returned by the server: correct and resend"],
  state_pending: ["待上传", "Not sent"],
  state_sending: ["上传中", "Sending"],
  state_merged: ["已入库", "Merged"],
  state_conflict: ["等待审核", "Waiting for review"],
  state_rejected: ["退回修改", "Returned: fix it"],
  state_held: ["等待原记录", "Waiting for its record"],
  state_fixed: ["已修改重传", "Fixed and resent"],
  state_synced: ["已同步", "Synced"],
  state_waiting: ["等待审核", "Waiting for review"],
  op_create: ["新增", "New"],
  op_update: ["修改", "Edit"],
  outbox_empty: ["没有待上传的数据", "Nothing waiting to be sent"],
  outbox_summary: ["待上传 {pending} · 等待审核 {waiting} · 需修改 {rejected}", "Not sent {pending} · waiting {waiting} · to fix {rejected}"],
  fix: ["去修改", "Fix"],
  my_grids: ["我的网格", "My grids"],
  neighbour: ["相邻网格", "Neighbouring grid"],
  my_position: ["我的位置", "My position"],
  centre_me: ["定位到我", "Centre on me"],
  fit_grids: ["显示全部网格", "Show my grids"],
  map_pack: ["地图离线包 {mb}/{cap} MB", "Offline map {mb}/{cap} MB"],
  map_pack_running: ["下载中 {done}/{total}", "downloading {done}/{total}"],
  map_pack_done: ["已完成", "ready"],
  map_pack_full: ["已达上限", "size limit reached"],
  map_pack_paused: ["联网后继续", "continues when online"],
  open_record: ["查看", "Open"],
  navigate: ["导航", "Navigate"],
  navigate_app: ["用地图应用打开", "Open in a maps app"],
  records_here: ["此处 {n} 条记录", "{n} records here"],
  distance_bearing: ["距离 {d}，方向{dir}（{deg}°）", "{d} to the {dir} ({deg}°)"],
  no_position_yet: ["等待定位…", "Waiting for a position…"],
  close: ["关闭", "Close"],
  compass: ["北,东北,东,东南,南,西南,西,西北", "north,north-east,east,south-east,south,south-west,west,north-west"],
  record_version: ["版本 {v}", "version {v}"],
  updated_by: ["{who} 更新于 {when}", "updated by {who} on {when}"],
  local_changes: ["本机有未上传的修改", "Unsent changes on this phone"],
  waiting_review: ["此记录等待网格管理员审核", "This record is waiting for a supervisor's review"],
  language: ["English", "中文"],
  install_hint: ["在浏览器菜单中选择“添加到主屏幕”即可像应用一样使用", "Use “Add to Home screen” in the browser menu to install"],
  pick_record: ["选择记录", "Choose a record"],
  not_found: ["找不到该记录", "Record not found"],
  yes: ["是", "Yes"],
  state_declined: ["审核未通过", "Not accepted"],
  state_reviewed: ["审核通过", "Accepted in review"],
  state_reviewed_merged: ["审核合并", "Merged in review"],
  sync_progress_up: ["上传中 {done}/{total}", "Uploading {done}/{total}"],
  sync_progress_down: ["下载中 {done}/{total}", "Downloading {done}/{total}"],
  sync_progress_down_n: ["下载中 已 {done} 条", "Downloading: {done} so far"],
  err_offline: ["无网络连接，联网后自动重试", "No network: retried when it returns"],
  err_server: ["服务器暂时无法处理（{status}），稍后自动重试", "The server could not answer ({status}); retried later"],
  err_forbidden: ["账号无此权限", "Your account may not do this"],
  err_refused: ["服务器拒收了请求（{status}）", "The server refused the request ({status})"],
  err_app: ["应用出错：{message}", "App error: {message}"],
  err_sign_in: ["登录已过期，请重新登录", "Signed out: please sign in again"],
  err_role: ["此账号不是采集员账号", "This is not a collector's account"],
  menu: ["菜单", "Menu"],
  account: ["账号", "Account"],
  close: ["关闭", "Close"],
  role_collector: ["采集员", "collector"],
  sign_out_unsent: ["本机还有 {n} 条数据未上传。退出后它们仍保存在本机，重新登录此账号并同步后才会上传；其他账号无法在本机登录，直到它们上传。", "{n} items on this phone are not sent yet. They stay on this phone after you sign out and upload once you sign in again and sync; no other account can sign in here until then."],
  sign_out_sync_first: ["先同步再退出", "Sync, then sign out"],
  sign_out_anyway: ["仍然退出（数据留在本机）", "Sign out (keep them on this phone)"],
  sign_out_done_unsent: ["已退出。{n} 条未上传的数据保留在本机。", "Signed out. {n} unsent items stay on this phone."],
  not_for_role: ["织网采集供网格采集员使用。您的账号（{role}）请在电脑上使用督导控制台：", "The Zhiwang collector app is for grid collectors. With your account ({role}) use the console on a computer:"],
  role_supervisor: ["督导员", "supervisor"],
  role_admin: ["管理员", "administrator"],
  role_viewer: ["部门人员", "department staff"],
  first_sync_partial: ["首次同步未完成：已下载 {done} / {total} 条，列表还不完整。联网后自动继续。", "First sync not finished: {done} of {total} records so far; the list is incomplete. It goes on when the network returns."],
  first_sync_running: ["首次同步中：已下载 {done} / {total} 条", "First sync: {done} of {total} records so far"],
  outbox_attention: ["需要处理", "Needs attention"],
  outbox_today: ["今天", "Today"],
  outbox_yesterday: ["昨天", "Yesterday"],
  outbox_cleared: ["已入库的数据 {days} 天后从待传列表移除（记录仍在“记录”中）", "Merged items leave this list after {days} days (the records stay under Records)"],
  why_outside: ["位置不在你的网格内：在 {covering}，距你的网格 {grid} 约 {distance} 米（允许 {tolerance} 米）", "Outside your grid: in {covering}, about {distance} m from your grid {grid} (tolerance {tolerance} m)"],
  why_outside_nowhere: ["位置不在辖区任何网格内，距你的网格 {grid} 约 {distance} 米", "Outside every grid of the district, about {distance} m from your grid {grid}"],
  why_outside_unknown: ["位置不在你的网格内", "Outside your grid"],
  why_stale: ["他人已修改了同一字段：{fields}", "Someone else changed the same fields: {fields}"],
  why_stale_value: ["{field}（现为 {value}）", "{field} (now {value})"],
  why_duplicate: ["疑似重复：已有此证件号码的登记 {title}", "Possible duplicate: {title} is already registered with this number"],
  why_duplicate_elsewhere: ["疑似重复：辖区其他网格已登记此号码", "Possible duplicate: this number is registered in another grid"],
  why_retired: ["该记录已注销", "The record has been retired"],
  outcome_accepted: ["审核通过：已采纳你的数据（版本 {v}）", "Accepted: your data was taken (version {v})"],
  outcome_merged: ["审核合并（版本 {v}）：采纳了 {kept}；保留了原值：{dropped}", "Merged (version {v}): kept yours for {kept}; kept the other value for {dropped}"],
  outcome_merged_plain: ["审核后已入库（版本 {v}）", "Merged after review (version {v})"],
  outcome_declined: ["审核未通过：{note}", "Not accepted: {note}"],
  outcome_declined_plain: ["审核未通过，保留了原记录", "Not accepted: the record was kept as it was"],
  nothing: ["无", "none"],
  position_outside: ["你不在自己的网格内：当前位置在 {covering}，距你的网格约 {distance} 米。可以继续保存，但这条数据将交督导员审核。", "You are outside your grid: this point is in {covering}, about {distance} m from your grid. You may save, but a supervisor will review it."],
  position_outside_nowhere: ["当前位置不在任何已知网格内，距你的网格约 {distance} 米。可以继续保存，但这条数据将交督导员审核。", "This point is in no known grid, about {distance} m from your grid. You may save, but a supervisor will review it."],
  position_inaccurate: ["定位精度差（±{m} 米，系统按最多 {max} 米计）：请到开阔处重新定位", "Poor accuracy (±{m} m; at most {max} m counts): move into the open and locate again"],
  position_confirm: ["位置不在你的网格内，保存后将交督导员审核。仍要保存吗？", "This point is outside your grid: a supervisor will review it. Save anyway?"],
  save_anyway: ["仍然保存", "Save anyway"],
  ref_nearby: ["附近的{kind}（由近到远）", "Nearby {kind} (nearest first)"],
  ref_unknown: ["本机没有此记录（{id}）", "Not on this phone ({id})"],
  metres_away: ["{m} 米", "{m} m"],
  // Events (issue 16): tasks and their verification.
  tab_tasks: ["待办", "Tasks"],
  tasks_title: ["待核查事件", "Events to verify"],
  tasks_hint: ["部门已处置，请到现场核查是否解决", "A department has dealt with these: check on site whether they are fixed"],
  tasks_empty: ["没有待核查的事件", "No events waiting for you"],
  task_verify: ["核查", "Verify"],
  task_event: ["核查的事件", "The event"],
  task_handled: ["{who} 处置于 {when}", "Handled by {who} on {when}"],
};

let lang = localStorage.getItem("zhiwang.lang") === "en" ? "en" : "zh";

/** The current language: "zh" or "en". */
export function language() {
  return lang;
}

/** Switch language and remember it. */
export function setLanguage(next) {
  lang = next === "en" ? "en" : "zh";
  localStorage.setItem("zhiwang.lang", lang);
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
}

/** A UI string with {placeholders} filled. */
export function t(key, params = {}) {
  const entry = STRINGS[key];
  const text = entry ? entry[lang === "zh" ? 0 : 1] : key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ""));
}

/** The current language's text of a form label {zh, en}. */
export function label(value) {
  if (!value) return "";
  return value[lang] || value.zh || value.en || "";
}

/** A field error's message in the current language. */
export function errorText(error) {
  return lang === "zh" ? (error.message_zh || error.message) : (error.message || error.message_zh);
}

/** A local date-time for people. */
export function when(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB",
    { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

setLanguage(lang);

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
  state_rejected: ["被退回，需修改", "Returned: needs fixing"],
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
  record_version: ["版本 {v}", "version {v}"],
  updated_by: ["{who} 更新于 {when}", "updated by {who} on {when}"],
  local_changes: ["本机有未上传的修改", "Unsent changes on this phone"],
  waiting_review: ["此记录等待网格管理员审核", "This record is waiting for a supervisor's review"],
  language: ["English", "中文"],
  install_hint: ["在浏览器菜单中选择“添加到主屏幕”即可像应用一样使用", "Use “Add to Home screen” in the browser menu to install"],
  pick_record: ["选择记录", "Choose a record"],
  not_found: ["找不到该记录", "Record not found"],
  yes: ["是", "Yes"],
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

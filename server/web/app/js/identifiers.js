// Identifier checks of the form rules (validate.js), mirroring server/domain/field_checks.py and
// server/domain/credit_code.py: GB 11643 ID numbers, GB 32100 unified social credit codes,
// mainland phone numbers. Pure functions, each problem with the server's code and words.

const ID_CARD_SHAPE = /^[0-9]{17}[0-9Xx]$/;
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CREDIT_CODE_SHAPE = /^[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}$/;
const CREDIT_CODE_CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const MOBILE = /^1[3-9][0-9]{9}$/;
const LANDLINE = /^0(?:10|2[0-9]|[3-9][0-9]{2})-?[1-9][0-9]{6,7}(?:-[0-9]{1,6})?$/;

const problem = (code, message, message_zh) => ({ code, message, message_zh });
export const PHONE = problem("phone", "must be a mobile number (11 digits) or a landline with area code",
  "应为11位手机号码或带区号的固定电话");
export const ID_CARD = {
  format: problem("id_card.format", "must be 18 characters: 17 digits, then a digit or X",
    "应为18位：17位数字加1位数字或X"),
  region: problem("id_card.region", "must start with a region code (first digit 1-9)",
    "行政区划代码无效（首位应为1-9）"),
  birth_date: problem("id_card.birth_date", "contains an impossible birth date (not a real " +
    "date, before 1900 or in the future)", "出生日期无效（须为真实日期，不早于1900年且不晚于今天）"),
  check_digit: problem("id_card.check_digit", "has a wrong check digit: please re-check the number",
    "校验码错误，请核对号码"),
};
export const CREDIT_CODE = {
  format: problem("credit_code.format", "must be 18 characters: digits and capital letters " +
    "except I, O, S, V, Z, with digits in places 3-8", "应为18位：数字或大写字母（不含I、O、S、V、Z），第3-8位为数字"),
  check_character: problem("credit_code.check_character",
    "has a wrong check character: please re-check the code", "校验码错误，请核对代码"),
};

/** Today's date in China Standard Time (UTC+8), as YYYY-MM-DD: the server's "today". */
export function chinaToday(now = Date.now()) {
  return new Date(now + 8 * 3600_000).toISOString().slice(0, 10);
}

// A real calendar date from 1900-01-01 to today; the year is checked first, so Date.UTC's
// mapping of years 0-99 to 1900-1999 never applies.
function plausibleBirthDate(digits, today) {
  const [y, m, d] = [Number(digits.slice(0, 4)), Number(digits.slice(4, 6)), Number(digits.slice(6, 8))];
  if (y < 1900) return false;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return false;
  return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}` <= today;
}

/** Why a value is not a valid GB 11643 ID number (format, region, birth_date, check_digit), or null. */
export function idCardProblem(value, today = chinaToday()) {
  if (typeof value !== "string" || !ID_CARD_SHAPE.test(value)) return "format";
  if (value[0] === "0") return "region";
  if (!plausibleBirthDate(value.slice(6, 14), today)) return "birth_date";
  return checkCharacter(value.slice(0, 17)) === value[17].toUpperCase() ? null : "check_digit";
}

/** The ISO 7064 MOD 11-2 check character of the first 17 digits. */
export function checkCharacter(digits) {
  let total = 0;
  for (let i = 0; i < 17; i += 1) total += Number(digits[i]) * ID_WEIGHTS[i];
  return "10X98765432"[total % 11];
}

/** Why a value is not a valid GB 32100 credit code (format, check_character), or null. */
export function creditCodeProblem(value) {
  if (typeof value !== "string" || !CREDIT_CODE_SHAPE.test(value)) return "format";
  let total = 0;
  for (let i = 0; i < 17; i += 1) total += CREDIT_CODE_CHARACTERS.indexOf(value[i]) * (3 ** i % 31);
  return CREDIT_CODE_CHARACTERS[(31 - (total % 31)) % 31] === value[17] ? null : "check_character";
}

/** Whether a value is a mainland mobile or landline number. */
export function isPhoneNumber(value) {
  return typeof value === "string" && value.length <= 24 && (MOBILE.test(value) || LANDLINE.test(value));
}

// The form rules of forms/README.md, mirroring server/domain/form_validation.py exactly:
// same emptiness, same `relevant` semantics, same order of checks, same error codes.
// Pure functions over JSON values: no DOM, so the tests can run them against the server's.
// The identifier checks (ID number, credit code, phone) are in identifiers.js.

import { chinaToday, CREDIT_CODE, creditCodeProblem, ID_CARD, idCardProblem, isPhoneNumber, PHONE }
  from "./identifiers.js";

export { chinaToday };

export const WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006" +
  "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff";
const SAFE_INTEGER = 2 ** 53 - 1;
const DEFAULT_TEXT_MAX_LENGTH = 2000;
// With the u flag a surrogate pair is one code point, so only unpaired surrogates match.
const CONTROL_OR_SURROGATE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]/u;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const DATETIME = new RegExp("^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})" +
  "(?::([0-9]{2})(?:\\.([0-9]{1,6}))?)?(Z|([+-])([0-9]{2}):([0-9]{2}))$");
const SHA256 = /^[0-9a-f]{64}$/;
const PHOTO_KEYS = ["content_type", "sha256", "size"];
export const PHOTO_CONTENT_TYPES = ["image/jpeg", "image/png", "image/webp"];

const problem = (code, message, message_zh) => ({ code, message, message_zh });
const REQUIRED = problem("required", "is required", "必填");
const NOT_RELEVANT = problem("not_relevant", "must be empty: it does not apply given the other " +
  "answers", "根据其他选项，此项不适用，应留空");
const UNKNOWN = problem("unknown_field", "is not a field of this form version", "不是本表单版本的字段");
const NOT_OBJECT = problem("type", "must be an object of field values", "应为字段值对象");
const CHARACTERS = problem("characters", "contains control characters or broken Unicode",
  "含有控制字符或无效字符");
const CHOICE = problem("choice", "is not one of the choices", "不是可选项之一");
const DUPLICATE = problem("duplicate_choice", "lists the same choice twice", "选项重复");
const BAD_DATE = problem("date", "must be a real date written YYYY-MM-DD", "应为有效日期（YYYY-MM-DD）");
const BAD_DATETIME = problem("datetime", "must be an ISO 8601 date and time with a time zone",
  "应为带时区的日期时间（ISO 8601）");
const REF = problem("ref", "must be a record id (UUID)", "应为记录编号（UUID）");
const PHOTO = problem("photo", "each photo must be {sha256: 64 lower-case hex digits, content_type: " +
  "image/jpeg|png|webp, size: bytes}", "照片信息无效（sha256、类型或大小不正确）");
const DUPLICATE_PHOTO = problem("duplicate_photo", "lists the same photo twice", "照片重复");
const TYPES = {
  text: ["a string", "文本"], integer: ["a whole number", "整数"], decimal: ["a number", "数字"],
  date: ["a date string", "日期文本"], datetime: ["a date-time string", "日期时间文本"],
  select_one: ["a choice value", "选项值"], select_multiple: ["a list of choice values", "选项值列表"],
  id_card: ["an ID number string", "身份号码文本"], phone: ["a phone number string", "电话号码文本"],
  credit_code: ["a credit code string", "信用代码文本"], ref: ["a record id string", "记录编号文本"],
  photo: ["a list of photos", "照片列表"],
};

/** Whether a value counts as not given: null/undefined, [], or a string of only whitespace. */
export function isEmpty(value) {
  if (value === null || value === undefined) return true;
  if (typeof value === "string") return [...value].every((c) => WHITESPACE.includes(c));
  return Array.isArray(value) && value.length === 0;
}

/** The choices of a select field, inline or from the form's named list. */
export function choicesOf(definition, field) {
  const choices = typeof field.choices === "string"
    ? (definition.choice_lists || {})[field.choices] : field.choices;
  return Array.isArray(choices) ? choices : [];
}

/** A relevant condition as a predicate over the effective values of earlier fields. */
export function compileCondition(condition) {
  if ("all" in condition) {
    const parts = condition.all.map(compileCondition);
    return (values) => parts.every((part) => part(values));
  }
  if ("any" in condition) {
    const parts = condition.any.map(compileCondition);
    return (values) => parts.some((part) => part(values));
  }
  if ("not" in condition) {
    const inner = compileCondition(condition.not);
    return (values) => !inner(values);
  }
  const name = condition.field;
  if ("filled" in condition) {
    const wanted = condition.filled;
    return (values) => values.has(name) === wanted;
  }
  if ("includes" in condition) {
    const wanted = condition.includes;
    return (values) => {
      const found = values.get(name);
      return Array.isArray(found) && found.some((item) => jsonEquals(item, wanted));
    };
  }
  const options = "in" in condition ? condition.in : [condition.equals];
  return (values) => {
    const value = values.get(name);
    return value !== undefined && value !== null && typeof value !== "boolean" &&
      options.some((option) => jsonEquals(value, option));
  };
}

// JSON equality of scalars as Python compares them: "1" != 1, true != 1, 1 == 1.0.
function jsonEquals(a, b) {
  if (typeof a === "boolean" || typeof b === "boolean") return a === b;
  return (typeof a === "string" || typeof a === "number") && a === b;
}

/** One form version compiled into per-field checks, like the server's FormValidator. */
export class FormValidator {
  constructor(definition) {
    this.definition = definition;
    this.rules = definition.fields.map((field) => ({
      field, name: field.name, path: `data.${field.name}`, required: field.required === true,
      condition: field.relevant ? compileCondition(field.relevant) : null,
      check: CHECK_BUILDERS[field.type](definition, field),
    }));
    this.names = new Set(this.rules.map((rule) => rule.name));
  }

  /** {cleaned, errors, relevant}: the given valid values, the field errors, and which fields apply. */
  validate(data, today = chinaToday()) {
    const relevant = new Set();
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
      return { cleaned: {}, errors: [at(NOT_OBJECT, "data")], relevant };
    }
    const cleaned = {};
    const errors = [];
    const effective = new Map(); // what later conditions see
    for (const { name, path, required, condition, check } of this.rules) {
      const value = Object.prototype.hasOwnProperty.call(data, name) ? data[name] : undefined;
      const given = !isEmpty(value);
      if (condition && !condition(effective)) {
        if (given) errors.push(at(NOT_RELEVANT, path));
        continue;
      }
      relevant.add(name);
      if (!given) {
        if (required) errors.push(at(REQUIRED, path));
        continue;
      }
      effective.set(name, value);
      const result = check(value, today);
      if (result && result.problem) errors.push(at(result.problem, path));
      else cleaned[name] = result.value;
    }
    for (const name of Object.keys(data)) {
      if (!this.names.has(name)) errors.push(at(UNKNOWN, unknownPath(name)));
    }
    return { cleaned, errors, relevant };
  }

  /** Names of the fields that apply to these answers (for showing and hiding them). */
  relevantFields(data) {
    return this.validate(data).relevant;
  }
}

function at(p, field) {
  return { field, code: p.code, message: p.message, message_zh: p.message_zh };
}

function unknownPath(name) {
  const points = [...name];
  const shown = points.length <= 64 ? name : points.slice(0, 64).join("") + "…";
  return "data." + shown.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]/gu, "\ufffd");
}

const ok = (value) => ({ value });
const fail = (p) => ({ problem: p });
const typeProblem = (field) => problem("type", `must be ${TYPES[field.type][0]}`,
  `应为${TYPES[field.type][1]}`);

function textCheck(definition, field) {
  const longest = field.max_length ?? DEFAULT_TEXT_MAX_LENGTH;
  const shortest = field.min_length ?? 0;
  const pattern = "pattern" in field ? new RegExp("^(?:" + field.pattern + ")$") : null;
  const tooLong = problem("max_length", `must be at most ${longest} characters`, `不能超过${longest}个字符`);
  const tooShort = problem("min_length", `must be at least ${shortest} characters`,
    `不能少于${shortest}个字符`);
  const noMatch = problem("pattern", "is not in the expected format", "格式不正确");
  return (value) => {
    if (typeof value !== "string") return fail(typeProblem(field));
    const length = [...value].length; // code points, as Python's len()
    if (length > longest) return fail(tooLong);
    if (length < shortest) return fail(tooShort);
    if (CONTROL_OR_SURROGATE.test(value)) return fail(CHARACTERS);
    if (pattern && !pattern.test(value)) return fail(noMatch);
    return ok(value);
  };
}

function numberCheck(definition, field) {
  const integer = field.type === "integer";
  const low = field.min ?? (integer ? -SAFE_INTEGER : -Infinity);
  const high = field.max ?? (integer ? SAFE_INTEGER : Infinity);
  const below = problem("min", `must be at least ${low}`, `不能小于${low}`);
  const above = problem("max", `must be at most ${high}`, `不能大于${high}`);
  return (value) => {
    if (typeof value !== "number" || !Number.isFinite(value) ||
        (integer && !Number.isInteger(value))) return fail(typeProblem(field));
    if (value < low) return fail(below);
    if (value > high) return fail(above);
    return ok(value);
  };
}

function daysFromCivil(y, m, d) { // proleptic Gregorian day number, no Date quirks for years < 100
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
}

function realDate(y, m, d) {
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= days;
}

/** A YYYY-MM-DD string as a comparable [day number], or null if it is no real date. */
export function parseDate(value) {
  const match = typeof value === "string" && DATE.exec(value);
  if (!match) return null;
  const [y, m, d] = match.slice(1, 4).map(Number);
  return realDate(y, m, d) ? [daysFromCivil(y, m, d)] : null;
}

/** An ISO date-time with a zone as a comparable [seconds, microseconds] instant, or null. */
export function parseDatetime(value) {
  const match = typeof value === "string" && DATETIME.exec(value);
  if (!match) return null;
  const [y, mo, d, h, mi] = match.slice(1, 6).map(Number);
  const s = Number(match[6] || 0);
  const micro = Number((match[7] || "").padEnd(6, "0"));
  const offset = match[8] === "Z" ? 0
    : (match[9] === "-" ? -1 : 1) * (Number(match[10]) * 60 + Number(match[11]));
  if (!realDate(y, mo, d) || h > 23 || mi > 59 || s > 59 || Math.abs(offset) >= 1440) return null;
  return [daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset * 60, micro];
}

function compare(a, b) {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

function dateCheck(definition, field) {
  const isDate = field.type === "date";
  const parse = isDate ? parseDate : parseDatetime;
  const bad = isDate ? BAD_DATE : BAD_DATETIME;
  const low = "min" in field ? parse(field.min) : null;
  const highToday = field.max === "today";
  const high = "max" in field && !highToday ? parse(field.max) : null;
  const below = problem("min", `must not be before ${field.min}`, `不能早于${field.min}`);
  const upper = highToday ? "today" : field.max;
  const above = problem("max", `must not be after ${upper}`, "不能晚于" + (highToday ? "今天" : upper));
  return (value, today) => {
    if (typeof value !== "string") return fail(typeProblem(field));
    const moment = parse(value);
    if (!moment) return fail(bad);
    if (low && compare(moment, low) < 0) return fail(below);
    if ((highToday && compare(moment, parseDate(today)) > 0) ||
        (high && compare(moment, high) > 0)) return fail(above);
    return ok(value);
  };
}

function selectCheck(definition, field) {
  const values = new Set(choicesOf(definition, field).map((choice) => choice.value));
  if (field.type === "select_one") {
    return (value) => {
      if (typeof value !== "string") return fail(typeProblem(field));
      return values.has(value) ? ok(value) : fail(CHOICE);
    };
  }
  return (value) => {
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
      return fail(typeProblem(field));
    }
    if (!value.every((item) => values.has(item))) return fail(CHOICE);
    return new Set(value).size === value.length ? ok(value) : fail(DUPLICATE);
  };
}

function idCardCheck(definition, field) {
  return (value, today) => {
    if (typeof value !== "string") return fail(typeProblem(field));
    const found = idCardProblem(value, today);
    if (found) return fail(ID_CARD[found]);
    return ok(value[17] === "x" ? value.slice(0, 17) + "X" : value);
  };
}

function creditCodeCheck(definition, field) {
  return (value) => {
    if (typeof value !== "string") return fail(typeProblem(field));
    const found = creditCodeProblem(value);
    return found ? fail(CREDIT_CODE[found]) : ok(value);
  };
}

function phoneCheck(definition, field) {
  return (value) => {
    if (typeof value !== "string") return fail(typeProblem(field));
    return isPhoneNumber(value) ? ok(value) : fail(PHONE);
  };
}

function refCheck(definition, field) {
  return (value) => {
    if (typeof value !== "string") return fail(typeProblem(field));
    return UUID.test(value) ? ok(value.toLowerCase()) : fail(REF);
  };
}

function isPhoto(photo) {
  if (photo === null || typeof photo !== "object" || Array.isArray(photo)) return false;
  const keys = Object.keys(photo).sort();
  if (keys.length !== 3 || keys.some((key, i) => key !== PHOTO_KEYS[i])) return false;
  const { sha256, content_type: type, size } = photo;
  return typeof sha256 === "string" && SHA256.test(sha256) && PHOTO_CONTENT_TYPES.includes(type) &&
    Number.isInteger(size) && size >= 1 && size <= SAFE_INTEGER;
}

function photoCheck(definition, field) {
  const most = field.max_count ?? 1;
  const tooMany = problem("max_count", `may hold at most ${most} photos`, `最多${most}张照片`);
  return (value) => {
    if (!Array.isArray(value)) return fail(typeProblem(field));
    if (value.length > most) return fail(tooMany);
    if (!value.every(isPhoto)) return fail(PHOTO);
    return new Set(value.map((p) => p.sha256)).size === value.length ? ok(value) : fail(DUPLICATE_PHOTO);
  };
}

const CHECK_BUILDERS = {
  text: textCheck, integer: numberCheck, decimal: numberCheck, date: dateCheck,
  datetime: dateCheck, select_one: selectCheck, select_multiple: selectCheck,
  id_card: idCardCheck, phone: phoneCheck, credit_code: creditCodeCheck, ref: refCheck,
  photo: photoCheck,
};

// The strict JSON parser: RFC 8259 acceptance and rejection cases, the
// resource limits, and messages that name the document and the byte.
#include <gtest/gtest.h>

#include <string>

#include "io/json.h"

namespace qkv {
namespace {

JsonValue parse_ok(const std::string& text) {
  JsonValue v;
  Status s = parse_json(text, "doc", &v);
  EXPECT_TRUE(s.ok()) << text << ": " << s.message();
  return v;
}

Status parse_err(const std::string& text, const JsonLimits& limits = JsonLimits()) {
  JsonValue v;
  Status s = parse_json(text, "doc.json", &v, limits);
  EXPECT_FALSE(s.ok()) << "accepted: " << text;
  EXPECT_TRUE(v.is_null()) << "a failed parse leaves a null value";
  return s;
}

TEST(Json, ParsesAConfigLikeDocument) {
  const JsonValue v = parse_ok(
      "\xEF\xBB\xBF {\"n_embd\": 768, \"eps\": 1e-05, \"arch\": [\"GPT2LMHeadModel\"], \"tied\": true,"
      " \"x\": null, \"nested\": {\"a\": [1, [2, {}]], \"b\": -0.5}}\n");
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.size(), 6u);
  EXPECT_EQ(v.key(0), "n_embd");
  EXPECT_EQ(v.find("n_embd")->as_uint64(), 768u);
  EXPECT_EQ(v.find("eps")->as_double(), 1e-05);
  EXPECT_FALSE(v.find("eps")->as_uint64().has_value());
  EXPECT_EQ(v.find("arch")->at(0).as_string(), "GPT2LMHeadModel");
  EXPECT_EQ(v.find("tied")->as_bool(), true);
  EXPECT_TRUE(v.find("x")->is_null());
  EXPECT_EQ(v.find("nested")->find("b")->as_double(), -0.5);
  EXPECT_EQ(v.find("nested")->find("a")->at(1).at(1).type(), JsonType::kObject);
  EXPECT_EQ(v.find("missing"), nullptr);
  EXPECT_EQ(v.find("arch")->find("x"), nullptr);  // not an object
  EXPECT_FALSE(v.find("arch")->as_string().has_value());
}

TEST(Json, IntegersStayExact) {
  EXPECT_EQ(parse_ok("9007199254740993").as_uint64(), 9007199254740993ull);
  EXPECT_EQ(parse_ok("18446744073709551615").as_uint64(), 18446744073709551615ull);
  EXPECT_FALSE(parse_ok("18446744073709551616").as_uint64().has_value());
  EXPECT_EQ(parse_ok("-9223372036854775808").as_int64(), INT64_MIN);
  EXPECT_FALSE(parse_ok("-9223372036854775809").as_int64().has_value());
  EXPECT_FALSE(parse_ok("9223372036854775808").as_int64().has_value());
  EXPECT_FALSE(parse_ok("-1").as_uint64().has_value());
  EXPECT_EQ(parse_ok("-0").as_uint64(), 0u);
  EXPECT_FALSE(parse_ok("1.0").as_uint64().has_value());
  EXPECT_FALSE(parse_ok("1e3").as_uint64().has_value());
  EXPECT_EQ(parse_ok("1e3").as_double(), 1000.0);
}

TEST(Json, DecodesEscapesAndUtf8) {
  EXPECT_EQ(parse_ok(R"("a\"b\\c\/d\b\f\n\r\t")").as_string(), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(parse_ok(R"("\u00e9\u4e2d\ud83d\ude00")").as_string(), "\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80");
  EXPECT_EQ(parse_ok("\"\xC3\xA9\xF0\x9F\x98\x80\"").as_string(), "\xC3\xA9\xF0\x9F\x98\x80");
  const JsonValue nul = parse_ok(R"("a\u0000b")");
  EXPECT_EQ(nul.as_string()->size(), 3u);
}

TEST(Json, RejectsMalformedInputWithItsPlace) {
  const Status s = parse_err("{\"a\": 1,}");
  EXPECT_EQ(s.code(), StatusCode::kFormat);
  EXPECT_EQ(s.message(), "doc.json: expected a string key at byte 8, found '}'");
  EXPECT_EQ(parse_err("[1 2]").message(), "doc.json: expected ',' or ']' at byte 3, found '2'");
  EXPECT_EQ(parse_err("{\"a\" 1}").message(), "doc.json: expected ':' at byte 5, found '1'");
  EXPECT_EQ(parse_err("").message(), "doc.json: expected a value at byte 0, found the end of the input");
  EXPECT_EQ(parse_err("{\"a\":1,\"a\":2}").message(), "doc.json: duplicate key \"a\" at byte 7");
  for (const char* bad :
       {"01",       "1.",      ".5",        "+1",          "1e",          "1e+",
        "-",        "NaN",     "Infinity",  "tru",         "nul",         "[1,]",
        "\"abc",    "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
        "\"a\nb\"", "1 2",     "{} x",      "'a'",         "[",           "{"}) {
    EXPECT_EQ(parse_err(bad).code(), StatusCode::kFormat) << bad;
  }
}

TEST(Json, RejectsInvalidUtf8) {
  for (const char* bad : {"\"\xC0\xAF\"", "\"\xE0\x80\xAF\"", "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"",
                          "\"\xC3\"", "\"\xFF\"", "\"\x80\""}) {
    const Status s = parse_err(bad);
    EXPECT_NE(s.message().find("expected valid UTF-8 at byte 1"), std::string::npos) << s.message();
  }
}

TEST(Json, RejectsNumbersOutsideADouble) {
  const Status s = parse_err("[1e309]");
  EXPECT_NE(s.message().find("within the range of a double at byte 1"), std::string::npos) << s.message();
  EXPECT_EQ(parse_ok("1e-400").as_double(), 0.0);  // underflow is a value, not an error
}

TEST(Json, EnforcesItsLimits) {
  JsonLimits limits;
  limits.max_depth = 3;
  EXPECT_TRUE(parse_ok("[[[1]]]").is_array());
  JsonValue v;
  EXPECT_TRUE(parse_json("[[[1]]]", "d", &v, limits).ok());
  const Status deep = parse_err("[[[[1]]]]", limits);
  EXPECT_EQ(deep.code(), StatusCode::kFormat);
  EXPECT_NE(deep.message().find("nesting deeper than 3"), std::string::npos) << deep.message();
  // Nesting far past the default limit fails cleanly instead of overflowing the stack.
  EXPECT_EQ(parse_err(std::string(100000, '[')).code(), StatusCode::kFormat);

  limits = JsonLimits();
  limits.max_values = 4;
  EXPECT_TRUE(parse_json("[1,2,3]", "d", &v, limits).ok());
  EXPECT_EQ(parse_err("[1,2,3,4]", limits).code(), StatusCode::kResourceExhausted);
  limits = JsonLimits();
  limits.max_bytes = 5;
  EXPECT_EQ(parse_err("[1, 2]", limits).code(), StatusCode::kResourceExhausted);
}

TEST(Json, DescribesValuesForMessages) {
  EXPECT_EQ(parse_ok("1e-05").describe(), "1e-05");
  EXPECT_EQ(parse_ok("10000").describe(), "10000");
  EXPECT_EQ(parse_ok("0.1").describe(), "0.1");
  EXPECT_EQ(parse_ok("-2.5e20").describe(), "-2.5e+20");
  EXPECT_EQ(parse_ok("0.0001").describe(), "0.0001");
  EXPECT_EQ(parse_ok("123.456").describe(), "123.456");
  EXPECT_EQ(format_double(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(parse_ok("\"abc\"").describe(), "\"abc\"");
  EXPECT_EQ(parse_ok("\"" + std::string(50, 'x') + "\"").describe(), "\"" + std::string(40, 'x') + "...\"");
  EXPECT_EQ(parse_ok("[]").describe(), "an array");
  EXPECT_EQ(json_type_name(JsonType::kObject), std::string("an object"));
}

}  // namespace
}  // namespace qkv

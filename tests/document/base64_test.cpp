// Base64 against the RFC 4648 test vectors, and its errors.
#include <gtest/gtest.h>

#include <string>

#include "document/base64.h"
#include "palette/error.h"

namespace palette::document {
namespace {

std::string encode(const std::string& s) {
  return base64_encode(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
std::string decode(const std::string& s) {
  const auto bytes = base64_decode(s);
  return std::string(bytes.begin(), bytes.end());
}

TEST(DocumentBase64, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, coded] : vectors) {
    EXPECT_EQ(encode(plain), coded);
    EXPECT_EQ(decode(coded), plain);
  }
}

TEST(DocumentBase64, AllByteValuesRoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(char(i));
  EXPECT_EQ(decode(encode(all)), all);
  EXPECT_EQ(encode("\xff\xfe"), "//4=");
}

TEST(DocumentBase64, ToleratesLineBreaksAndMissingPadding) {
  EXPECT_EQ(decode("Zm9v\nYmE\r\n="), "fooba");
  EXPECT_EQ(decode("Zm9vYg"), "foob");
}

TEST(DocumentBase64, NamesTheBadCharacter) {
  try {
    base64_decode("Zm9v%mFy");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "invalid base64: '%' at offset 4");
  }
  EXPECT_THROW(base64_decode("Zm9vY"), Error);     // a lone trailing character
  EXPECT_THROW(base64_decode("Zg==Zg=="), Error);  // data after padding
  EXPECT_THROW(base64_decode("Z==="), Error);
  EXPECT_THROW(base64_decode(std::string("Zm\0v", 4)), Error);
}

}  // namespace
}  // namespace palette::document

// The message of the palette::Error a call throws, for tests that check what a failure says.
#pragma once

#include <iostream>
#include <string>
#include <utility>

#include "palette/error.h"

namespace palette::test {

// What error_of returns when the call threw nothing: not a message any check looks for, so a missing
// failure fails the test's expectation and shows up in it.
inline const std::string kNoError = "(no error)";

// Runs `call`; returns the palette::Error message it threw, else kNoError. The message is printed too:
// an expectation such as `error_of(f).find("x") != npos` would otherwise not show it when it fails.
// Any other exception is left to GoogleTest, which reports it as a failure.
template <typename Call>
std::string error_of(Call&& call) {
  try {
    std::forward<Call>(call)();
  } catch (const Error& e) {
    std::cout << "  error: " << e.what() << "\n";
    return e.what();
  }
  return kNoError;
}

}  // namespace palette::test

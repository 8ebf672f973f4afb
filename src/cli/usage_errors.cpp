#include "cli/usage_errors.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace palette::cli {

namespace {

// Every name an option of `app` answers to ("--seed", "-s"). Its parents' are left out: a mistyped
// render flag should not be offered the root's --version.
std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : app.get_options()) {
    for (const std::string& n : opt->get_lnames()) names.push_back("--" + n);
    for (const std::string& n : opt->get_snames()) names.push_back("-" + n);
  }
  return names;
}

// The innermost command the command line reached ("palette layout new" → new).
const CLI::App& innermost(const CLI::App& root) {
  const CLI::App* app = &root;
  for (;;) {
    const auto parsed = app->get_subcommands();
    if (parsed.empty()) return *app;
    app = parsed.front();
  }
}

std::string command_path(const CLI::App& app) {
  std::string path = app.get_name();
  for (const CLI::App* a = app.get_parent(); a != nullptr; a = a->get_parent())
    path = a->get_name() + " " + path;
  return path;
}

// Short flags that meant something else before the flags were made alike across commands: the
// suggestion names the new flag rather than a look-alike.
struct Renamed {
  const char* command;
  const char* old_flag;
  const char* now;
};
constexpr Renamed kRenamed[] = {
    {"stream", "-n", "--frames"},  // -n is --negative wherever a command takes a negative prompt
};

std::string renamed_flag(const CLI::App& app, const std::string& flag) {
  for (const Renamed& r : kRenamed)
    if (app.get_name() == r.command && flag == r.old_flag) return r.now;
  return "";
}

// "-1", "-0.5": values, not flags (a seed of -1 is a value CLI11 may leave over after an error).
bool looks_numeric(const std::string& s) {
  return s.size() > 1 && s[0] == '-' && (std::isdigit(static_cast<unsigned char>(s[1])) || s[1] == '.');
}

}  // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rows of the dynamic programme suffice for the swap rule.
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        current[j] = std::min(current[j], before[j - 2] + 1);
    }
    before.swap(previous);
    previous.swap(current);
  }
  return previous[b.size()];
}

std::string closest_name(std::string_view typed, const std::vector<std::string>& candidates) {
  // Leading dashes carry no meaning of their own: "-seed" is as near "--seed" as "seed" is.
  const size_t letters = typed.size() - std::min(typed.find_first_not_of('-'), typed.size());
  // One or two letters are a word of their own: every other short flag is "one typo" from "-n".
  if (letters < 3) return "";
  const size_t allowed = std::clamp<size_t>(letters / 3, 1, 3);
  std::string best;
  size_t best_distance = allowed + 1;
  for (const std::string& candidate : candidates) {
    const size_t d = edit_distance(typed, candidate);
    if (d < best_distance) best = candidate, best_distance = d;
  }
  return best;
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (!sub->get_name().empty()) names.push_back(sub->get_name());
  return names;
}

std::string describe_unexpected(const CLI::App& root) {
  const CLI::App& app = innermost(root);
  const std::string where = command_path(app);
  std::string message;
  bool after_flag = false;  // a word after an unknown flag is most likely its value: not news
  for (const std::string& item : root.remaining(true)) {
    std::string line;
    const bool flag = item.size() > 1 && item[0] == '-' && !looks_numeric(item);
    if (!flag && std::exchange(after_flag, false)) continue;
    if (flag) {
      after_flag = item.find('=') == std::string::npos;
      const std::string name = item.substr(0, item.find('='));  // --seeed=3 → --seeed
      line = "unknown flag '" + name + "' for '" + where + "'";
      std::string near = renamed_flag(app, name);
      if (near.empty()) near = closest_name(name, option_names(app));
      if (!near.empty()) line += "; did you mean '" + near + "'?";
    } else {
      line = "unexpected argument '" + item + "' for '" + where + "'";
      if (const std::string near = closest_name(item, subcommand_names(app)); !near.empty())
        line += "; did you mean '" + near + "'?";
    }
    message += (message.empty() ? "" : "\n") + line;
  }
  return message;
}

}  // namespace palette::cli

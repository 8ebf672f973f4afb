#include "support/parity.h"

#include <gtest/gtest.h>

#include <iostream>
#include <map>

#include "support/fixtures.h"

namespace palette::test {

double relative_error(const torch::Tensor& actual, const torch::Tensor& expected) {
  const auto a = actual.detach().to(torch::kCPU, torch::kDouble);
  const auto e = expected.detach().to(torch::kCPU, torch::kDouble);
  const double denom = e.norm().item<double>();
  const double diff = (a - e).norm().item<double>();
  return denom > 0 ? diff / denom : diff;
}

SafetensorsFile open_case(const std::string& name) {
  const auto dir = fixtures_dir();
  if (dir.empty()) throw std::runtime_error("no fixtures folder");
  return SafetensorsFile::open(dir / (name + ".safetensors"));
}

bool check_parity(const std::string& label, const torch::Tensor& actual, const torch::Tensor& expected,
                  double tolerance) {
  if (actual.sizes() != expected.sizes()) {
    std::cout << "  " << label << ": shape " << actual.sizes() << " but the reference has " << expected.sizes() << "\n";
    return false;
  }
  const double err = relative_error(actual, expected);
  std::cout << "  " << label << ": relative error " << err << " (tolerance " << tolerance << ")\n";
  return err <= tolerance;
}

const Model& fixture_model(const std::string& name) {
  static std::map<std::string, Model> models;
  auto it = models.find(name);
  if (it == models.end()) it = models.emplace(name, Model::load(fixtures_dir() / name)).first;
  return it->second;
}

const Model& fixture_model_with_taesd(const std::string& name) {
  static std::map<std::string, Model> models;
  auto it = models.find(name);
  if (it == models.end()) {
    ModelOptions options;
    options.taesd = fixtures_dir() / "tiny-taesd";
    it = models.emplace(name, Model::load(fixtures_dir() / name, options)).first;
  }
  return it->second;
}

nlohmann::json case_meta(const SafetensorsFile& file, const std::string& key) {
  return nlohmann::json::parse(file.metadata().at(key));
}

}  // namespace palette::test

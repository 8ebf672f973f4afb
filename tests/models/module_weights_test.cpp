// Loading by name: every mismatch between checkpoint and module is an error that names the tensor,
// and a failed load leaves the module as it was.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/module_weights.h"
#include "palette/error.h"

namespace palette {
namespace {

struct TinyImpl : torch::nn::Module {
  TinyImpl() {
    conv_in = register_module("conv_in", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3)));
    blocks = register_module("blocks", torch::nn::ModuleList());
    blocks->push_back(torch::nn::Linear(4, 4));
  }
  torch::nn::Conv2d conv_in{nullptr};
  torch::nn::ModuleList blocks{nullptr};
};
TORCH_MODULE(Tiny);

TensorMap good_state() {
  return {{"conv_in.weight", torch::full({4, 3, 3, 3}, 0.5, torch::kHalf)},
          {"conv_in.bias", torch::ones({4})},
          {"blocks.0.weight", torch::eye(4)},
          {"blocks.0.bias", torch::zeros({4})}};
}

std::string load_error(Tiny& model, const TensorMap& tensors) {
  try {
    load_weights(*model, tensors, "tiny.safetensors");
  } catch (const Error& e) {
    std::cout << "  error: " << e.what() << "\n";
    return e.what();
  }
  return "";
}

TEST(ModuleWeights, LoadsByNameAndConvertsDtype) {
  Tiny model;
  load_weights(*model, good_state(), "tiny.safetensors");
  EXPECT_EQ(model->conv_in->weight.scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::equal(model->conv_in->weight, torch::full({4, 3, 3, 3}, 0.5)));
  EXPECT_EQ(parameter_count(*model), 4 * 27 + 4 + 16 + 4);
}

TEST(ModuleWeights, MissingTensorIsNamed) {
  Tiny model;
  const auto before = model->conv_in->weight.clone();
  auto tensors = good_state();
  tensors.erase("blocks.0.bias");
  const auto message = load_error(model, tensors);
  EXPECT_NE(message.find("missing tensor 'blocks.0.bias'"), std::string::npos) << message;
  EXPECT_NE(message.find("tiny.safetensors"), std::string::npos) << message;
  EXPECT_TRUE(torch::equal(model->conv_in->weight, before)) << "a failed load changed the module";
}

TEST(ModuleWeights, UnexpectedTensorIsNamed) {
  Tiny model;
  auto tensors = good_state();
  tensors["blocks.1.weight"] = torch::ones({2});
  const auto message = load_error(model, tensors);
  EXPECT_NE(message.find("unexpected tensor 'blocks.1.weight'"), std::string::npos) << message;
  WeightLoadOptions ignore_it{[](const std::string& n) { return n == "blocks.1.weight"; }};
  EXPECT_NO_THROW(load_weights(*model, tensors, "tiny.safetensors", ignore_it));
}

TEST(ModuleWeights, WrongShapeIsNamed) {
  Tiny model;
  auto tensors = good_state();
  tensors["blocks.0.weight"] = torch::ones({4, 5});
  const auto message = load_error(model, tensors);
  EXPECT_NE(message.find("tensor 'blocks.0.weight' has shape [4, 5], the model expects [4, 4]"), std::string::npos)
      << message;
}

}  // namespace
}  // namespace palette

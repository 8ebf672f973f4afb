// Precompiled for every heavy target: parsing LibTorch's headers costs ~14 s per translation unit.
#pragma once
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

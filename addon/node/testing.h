#pragma once
#include <napi.h>

namespace ioncam_node {

// Internals exposed for the test suite (model values/derivatives, single profile fits),
// under exports.testing. Not part of the public API.
void RegisterTesting(Napi::Env env, Napi::Object exports);

}  // namespace ioncam_node

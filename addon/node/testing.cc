#include "node/testing.h"

namespace ioncam_node {

// PLACEHOLDER (fit helper fills): evalModel, fitProfile.
void RegisterTesting(Napi::Env env, Napi::Object exports) { exports.Set("testing", Napi::Object::New(env)); }

}  // namespace ioncam_node

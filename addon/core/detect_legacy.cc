#include "core/detect.h"

// PLACEHOLDER (detection helper replaces).
namespace ioncam {
std::vector<Detection> detect_legacy(const Image&, const DetectOptions&, DetectStats*) { return {}; }
}  // namespace ioncam

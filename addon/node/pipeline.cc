#include "node/pipeline.h"

#include <exception>
#include <string>

#include "core/analyze.h"
#include "node/common.h"

namespace ioncam_node {

namespace {

class AnalyzeWorker : public Napi::AsyncWorker {
 public:
  AnalyzeWorker(Napi::Env env, Napi::Object frame_obj, const ioncam::FrameView& frame,
                const ioncam::AnalyzeOptions& opts)
      : Napi::AsyncWorker(env, "ioncam.analyze"),
        deferred_(Napi::Promise::Deferred::New(env)),
        frame_(frame),
        opts_(opts) {
    // Keeps the pixel buffer alive while the worker thread reads it.
    frame_ref_ = Napi::Persistent(frame_obj);
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      result_ = ioncam::analyze_frame(frame_, opts_);
    } catch (const std::exception& e) {
      SetError(std::string("ioncam analysis failed: ") + e.what());
    }
  }

  void OnOK() override { deferred_.Resolve(ResultToJs(Env(), result_, opts_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference frame_ref_;
  ioncam::FrameView frame_;
  ioncam::AnalyzeOptions opts_;
  ioncam::AnalyzeResult result_;
};

bool ReadArgs(const Napi::CallbackInfo& info, ioncam::FrameView* frame, Napi::Object* frame_obj,
              ioncam::AnalyzeOptions* opts) {
  return ReadFrame(info.Env(), info[0], frame, frame_obj) && ReadAnalyzeOptions(info.Env(), info[1], *frame, opts);
}

}  // namespace

Napi::Value AnalyzeAsync(const Napi::CallbackInfo& info) {
  ioncam::FrameView frame;
  Napi::Object frame_obj;
  ioncam::AnalyzeOptions opts;
  if (!ReadArgs(info, &frame, &frame_obj, &opts)) return info.Env().Undefined();
  auto* worker = new AnalyzeWorker(info.Env(), frame_obj, frame, opts);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value AnalyzeSync(const Napi::CallbackInfo& info) {
  ioncam::FrameView frame;
  Napi::Object frame_obj;
  ioncam::AnalyzeOptions opts;
  if (!ReadArgs(info, &frame, &frame_obj, &opts)) return info.Env().Undefined();
  try {
    return ResultToJs(info.Env(), ioncam::analyze_frame(frame, opts), opts);
  } catch (const std::exception& e) {
    Napi::Error::New(info.Env(), std::string("ioncam analysis failed: ") + e.what()).ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
}

}  // namespace ioncam_node

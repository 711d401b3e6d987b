#include "node/jpeg.h"

#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include <jerror.h>
#include <jpeglib.h>

namespace ioncam_node {

namespace {

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool truncated;
};

void OnFatal(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void OnMessage(j_common_ptr cinfo, int level) {
  // Warnings are tolerated, except data ending early: a truncated frame is an error, as for PNG.
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) reinterpret_cast<ErrorManager*>(cinfo->err)->truncated = true;
}

struct Decoded {
  int width = 0;
  int height = 0;
  bool too_big = false;
  std::unique_ptr<uint8_t[]> pixels;
  std::string error;
};

// No C++ object with a destructor may be created between setjmp and a longjmp back to it:
// the output buffer lives in `out`, owned by the caller.
void DecodeGrey(const uint8_t* data, size_t size, double max_pixels, Decoded* out) {
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = OnFatal;
  err.pub.emit_message = OnMessage;
  err.truncated = false;
  if (setjmp(err.jump)) {
    out->error = err.message;
    jpeg_destroy_decompress(&cinfo);
    return;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  out->width = static_cast<int>(cinfo.image_width);
  out->height = static_cast<int>(cinfo.image_height);
  // Decided from the header, before any pixel buffer exists.
  if (static_cast<double>(cinfo.image_width) * cinfo.image_height > max_pixels) {
    out->too_big = true;
    jpeg_destroy_decompress(&cinfo);
    return;
  }
  // YCbCr -> Y is the BT.601 luma that OpenCV's grey conversion gives; grey JPEGs pass through.
  cinfo.out_color_space = JCS_GRAYSCALE;
  jpeg_start_decompress(&cinfo);
  const size_t stride = cinfo.output_width;
  out->pixels.reset(new uint8_t[stride * cinfo.output_height]);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out->pixels.get() + stride * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  if (err.truncated) {
    out->pixels.reset();
    out->error = "Premature end of JPEG file";
  }
}

class JpegWorker : public Napi::AsyncWorker {
 public:
  JpegWorker(Napi::Env env, Napi::Uint8Array input, double max_pixels)
      : Napi::AsyncWorker(env, "ioncam.decodeJpeg"),
        deferred_(Napi::Promise::Deferred::New(env)),
        data_(input.Data()),
        size_(input.ByteLength()),
        max_pixels_(max_pixels) {
    // Keeps the encoded bytes alive while the worker thread reads them.
    input_ref_ = Napi::Persistent(input.As<Napi::Object>());
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override { DecodeGrey(data_, size_, max_pixels_, &out_); }

  void OnOK() override {
    Napi::Env env = Env();
    if (!out_.error.empty()) {
      deferred_.Reject(Napi::Error::New(env, "JPEG: " + out_.error).Value());
      return;
    }
    Napi::Object result = Napi::Object::New(env);
    result.Set("width", out_.width);
    result.Set("height", out_.height);
    if (out_.too_big) {
      result.Set("tooBig", true);
    } else {
      const size_t bytes = static_cast<size_t>(out_.width) * out_.height;
      result.Set("data", Napi::Buffer<uint8_t>::Copy(env, out_.pixels.get(), bytes));
    }
    deferred_.Resolve(result);
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference input_ref_;
  const uint8_t* data_;
  size_t size_;
  double max_pixels_;
  Decoded out_;
};

Napi::Value DecodeJpeg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      !info[1].IsNumber()) {
    Napi::TypeError::New(env, "decodeJpeg(buffer: Uint8Array, maxPixels: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* worker = new JpegWorker(env, info[0].As<Napi::Uint8Array>(), info[1].As<Napi::Number>().DoubleValue());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

void RegisterJpeg(Napi::Env env, Napi::Object exports) {
  exports.Set("decodeJpeg", Napi::Function::New(env, DecodeJpeg, "decodeJpeg"));
}

}  // namespace ioncam_node

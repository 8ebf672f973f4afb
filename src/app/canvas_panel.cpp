// The canvas window: the composite (masks over paper or over the picture) zoomed and panned, painting
// with the mouse, and the generated picture beside it. The InvisibleButton + ImDrawList pattern of
// ImGui's demo "Canvas" tab, with our own GL textures.
#include <imgui.h>

#include <cstdint>

#include "app/app.h"
#include "app/picture_status.h"

namespace palette::app {

namespace {

ImTextureID texture_id(uint32_t texture) {
  return reinterpret_cast<ImTextureID>(static_cast<intptr_t>(texture));
}

ImVec2 im(Vec2 v) {
  return ImVec2(static_cast<float>(v.x), static_cast<float>(v.y));
}

}  // namespace

void draw_canvas_panel(App& app) {
  ImGuiViewport* vp = ImGui::GetMainViewport();
  const float left = 340, right = 300, bottom = ImGui::GetFrameHeight() + 6;
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x + left, vp->WorkPos.y));
  ImGui::SetNextWindowSize(ImVec2(vp->WorkSize.x - left - right, vp->WorkSize.y - bottom));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::Begin("Canvas", nullptr,
               ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse |
                   ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  ImGui::PopStyleVar();
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImVec2 size = ImGui::GetContentRegionAvail();
  size.x = std::max(size.x, 64.0f);
  size.y = std::max(size.y, 64.0f);
  const bool beside = !app.composite.image_under && app.has_frame;
  const ImVec2 paint_size(beside ? size.x / 2 : size.x, size.y);
  const Vec2 canvas{static_cast<double>(app.editor.doc().width()),
                    static_cast<double>(app.editor.doc().height())};
  // Refit when the painting area changes (the picture appearing beside it, a resized window), so the
  // canvas never sits half outside its half.
  if (!app.view_fitted || paint_size.x != app.fitted_size[0] || paint_size.y != app.fitted_size[1]) {
    app.view.fit(canvas, {p0.x, p0.y}, {paint_size.x, paint_size.y});
    app.view_fitted = true;
    app.fitted_size[0] = paint_size.x;
    app.fitted_size[1] = paint_size.y;
  }

  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddRectFilled(p0, ImVec2(p0.x + size.x, p0.y + size.y), IM_COL32(48, 48, 52, 255));
  ImGui::InvisibleButton("canvas", paint_size,
                         ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonMiddle);
  const ImGuiIO& io = ImGui::GetIO();
  const ImVec2 mouse = io.MousePos;
  PointerInput input;
  input.pos = {mouse.x, mouse.y};
  input.hovered = ImGui::IsItemHovered();
  input.left = ImGui::IsMouseDown(ImGuiMouseButton_Left);
  input.middle = ImGui::IsMouseDown(ImGuiMouseButton_Middle);
  input.space = app.panning;
  input.wheel = io.MouseWheel;
  app.gesture.update(input, app.editor, app.tools, app.view);

  const ImVec2 a = im(app.view.to_screen({0, 0})), b = im(app.view.to_screen(canvas));
  draw->PushClipRect(p0, ImVec2(p0.x + paint_size.x, p0.y + paint_size.y), true);
  draw->AddImage(texture_id(app.gl.composite_texture()), a, b);
  draw->AddRect(a, b, IM_COL32(0, 0, 0, 160));
  if (ImGui::IsItemHovered() && !app.panning && app.gesture.mode() != CanvasGesture::Mode::Panning) {
    const float r = static_cast<float>(app.tools.size() * app.view.zoom() / 2);
    draw->AddCircle(mouse, std::max(r, 1.5f), IM_COL32(255, 255, 255, 200), 48, 1.5f);
    draw->AddCircle(mouse, std::max(r - 1.5f, 1.0f), IM_COL32(0, 0, 0, 160), 48, 1.0f);
    ImGui::SetMouseCursor(app.tools.tool() == Tool::Fill ? ImGuiMouseCursor_Hand : ImGuiMouseCursor_Arrow);
  }
  draw->PopClipRect();

  if (beside) {
    // The picture with the canvas's zoom and pan, so both halves show the same part of the image.
    const float dx = paint_size.x;
    draw->PushClipRect(ImVec2(p0.x + dx, p0.y), ImVec2(p0.x + size.x, p0.y + size.y), true);
    draw->AddImage(texture_id(app.gl.frame_texture()), ImVec2(a.x + dx, a.y), ImVec2(b.x + dx, b.y));
    draw->AddLine(ImVec2(p0.x + dx, p0.y), ImVec2(p0.x + dx, p0.y + size.y), IM_COL32(20, 20, 20, 255), 2);
    draw->PopClipRect();
  }

  // A picture that is not the newest edit, fully, says so (on the picture; on the canvas before there is one).
  PictureState state;
  state.loading = app.engine.model_state() == ModelState::Loading;
  state.streaming = app.engine.streaming();
  state.paused = app.engine.paused();
  state.has_frame = app.has_frame;
  state.frame_version = app.frame_version;
  state.frame_settled = app.frame_settled;
  state.frame_steps_done = app.frame_steps_done;
  state.frame_steps_total = app.frame_steps_total;
  state.document_version = app.editor.doc().version();
  const std::string status = picture_status(state);
  if (!status.empty()) {
    const ImVec2 at(p0.x + (beside ? paint_size.x : 0) + 10, p0.y + 10);
    const ImVec2 text = ImGui::CalcTextSize(status.c_str());
    draw->AddRectFilled(ImVec2(at.x - 6, at.y - 4), ImVec2(at.x + text.x + 6, at.y + text.y + 4),
                        IM_COL32(20, 20, 24, 210), 4.0f);
    draw->AddText(at, IM_COL32(255, 210, 90, 255), status.c_str());
  }
  ImGui::End();
}

}  // namespace palette::app

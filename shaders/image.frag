#version 330 core
// A picture under the mask overlays: the generated one, or the background image.
in vec2 v_uv;
out vec4 color;
uniform sampler2D u_image;
void main() { color = vec4(texture(u_image, v_uv).rgb, 1.0); }

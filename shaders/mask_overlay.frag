#version 330 core
// One layer's mask as its brush colour; alpha blending stacks the layers bottom to top.
in vec2 v_uv;
out vec4 color;
uniform sampler2D u_mask;  // R8 coverage
uniform vec3 u_color;
uniform float u_opacity;
void main() { color = vec4(u_color, texture(u_mask, v_uv).r * u_opacity); }

#version 110

// infomat patch: simple.frag for a texture without rounded corners (painter.plainProgram).

uniform sampler2D tex;

varying vec2 fragTexCoord;
varying float fragAlpha;

void main() {
    vec4 texColor = texture2D(tex, fragTexCoord) * fragAlpha;

    if(texColor.a < 0.01)
        discard;
    gl_FragColor = texColor;
}

import React from "react";
import { AbsoluteFill, interpolate, useCurrentFrame, useVideoConfig } from "remotion";

export type SlideProps = { title?: string; subtitle?: string };

/** The slide behind the narrator: a slowly turning gradient with a title, fading in. */
export const Slide: React.FC<SlideProps> = ({ title, subtitle }) => {
  const frame = useCurrentFrame();
  const { width, fps } = useVideoConfig();
  const angle = 135 + (frame / fps) * 6;
  const fadeIn = interpolate(frame, [0, fps / 2], [0, 1], { extrapolateRight: "clamp" });
  return (
    <AbsoluteFill
      style={{
        background: `linear-gradient(${angle}deg, #1d2b64 0%, #3a1c71 55%, #d76d77 100%)`,
        padding: width * 0.06,
        fontFamily: "sans-serif",
        color: "white",
        opacity: fadeIn,
      }}
    >
      <div style={{ fontSize: width * 0.06, fontWeight: 700, marginTop: width * 0.04 }}>{title}</div>
      <div style={{ fontSize: width * 0.028, opacity: 0.85, maxWidth: "55%" }}>{subtitle}</div>
    </AbsoluteFill>
  );
};

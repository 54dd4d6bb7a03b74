import React from "react";
import { AbsoluteFill, OffthreadVideo, staticFile, useVideoConfig } from "remotion";
import { Slide } from "./Slide";

/** The summary `talkinghead --json` prints, plus optional styling. */
export type NarratorPiPProps = {
  /** Narrator video path as talkinghead wrote it; its file name is looked up in public/. */
  output: string;
  /** Narrator size in pixels (the overlay keeps its aspect ratio). */
  width: number;
  height: number;
  fps: number;
  frames?: number;
  duration_s: number;
  /** A file in public/ or an http(s) URL; overrides `output`. */
  src?: string;
  title?: string;
  subtitle?: string;
  /** Overlay width as a share of the composition width. */
  size?: "sm" | "md" | "lg";
};

const OVERLAY_WIDTH_SHARE = { sm: 0.22, md: 0.3, lg: 0.4 } as const;
const MARGIN_SHARE = 0.03; // of the composition width, right and bottom
const RADIUS_SHARE = 0.08; // of the overlay width

const fileName = (path: string): string => path.split(/[\\/]/).pop() ?? path;

export const narratorSource = (props: NarratorPiPProps): string => {
  const src = props.src ?? fileName(props.output);
  return /^https?:\/\//.test(src) ? src : staticFile(src);
};

export const NarratorPiP: React.FC<NarratorPiPProps> = (props) => {
  const { width } = useVideoConfig();
  const overlayWidth = Math.round(width * OVERLAY_WIDTH_SHARE[props.size ?? "md"]);
  const overlayHeight = Math.round((overlayWidth * props.height) / props.width);
  const margin = Math.round(width * MARGIN_SHARE);
  return (
    <AbsoluteFill>
      <Slide title={props.title} subtitle={props.subtitle} />
      <div
        style={{
          position: "absolute",
          right: margin,
          bottom: margin,
          width: overlayWidth,
          height: overlayHeight,
          borderRadius: overlayWidth * RADIUS_SHARE,
          overflow: "hidden",
          // A ring drawn outside the box, so the video fills exactly overlayWidth x overlayHeight.
          boxShadow: "0 0 0 2px rgba(255, 255, 255, 0.85), 0 8px 24px rgba(0, 0, 0, 0.45)",
        }}
      >
        <OffthreadVideo
          src={narratorSource(props)}
          style={{ width: "100%", height: "100%", objectFit: "cover" }}
        />
      </div>
    </AbsoluteFill>
  );
};

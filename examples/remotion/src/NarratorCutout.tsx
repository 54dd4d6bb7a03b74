import React from "react";
import { AbsoluteFill, OffthreadVideo, useVideoConfig } from "remotion";
import { narratorSource, NarratorPiPProps } from "./NarratorPiP";
import { Slide } from "./Slide";

/**
 * The narrator cut out of their portrait, standing in the lower right over the slide: a
 * talkinghead video with alpha (`--background transparent --format webm`), drawn with
 * `transparent` so that Remotion keeps its alpha channel. Same props as NarratorPiP; `size`
 * sets the narrator's height as a share of the composition's.
 */
const HEIGHT_SHARE = { sm: 0.5, md: 0.65, lg: 0.8 } as const;
const RIGHT_SHARE = 0.04; // margin to the right edge, of the composition width

export const NarratorCutout: React.FC<NarratorPiPProps> = (props) => {
  const { width, height } = useVideoConfig();
  const narratorHeight = Math.round(height * HEIGHT_SHARE[props.size ?? "md"]);
  const narratorWidth = Math.round((narratorHeight * props.width) / props.height);
  return (
    <AbsoluteFill>
      <Slide title={props.title} subtitle={props.subtitle} />
      <OffthreadVideo
        src={narratorSource(props)}
        transparent
        style={{
          position: "absolute",
          right: Math.round(width * RIGHT_SHARE),
          bottom: 0, // the cut-out body ends at the frame's edge, as a presenter's would
          width: narratorWidth,
          height: narratorHeight,
        }}
      />
    </AbsoluteFill>
  );
};

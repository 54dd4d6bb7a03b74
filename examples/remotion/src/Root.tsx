import React from "react";
import { CalculateMetadataFunction, Composition } from "remotion";
import { NarratorCutout } from "./NarratorCutout";
import { NarratorPiP, NarratorPiPProps } from "./NarratorPiP";
import { Slide } from "./Slide";

// The composition takes the narrator's own frame rate and length, so one composed frame
// shows exactly one narrator frame and the video ends with the voice-over.
const calculateMetadata: CalculateMetadataFunction<NarratorPiPProps> = ({ props }) => ({
  fps: props.fps,
  durationInFrames: props.frames ?? Math.round(props.duration_s * props.fps),
});

// Placeholder values for `remotion studio`; a render passes the summary that
// `talkinghead --json` printed (`--props=public/narrator.json`).
const defaultProps: NarratorPiPProps = {
  output: "narrator.mp4",
  width: 640,
  height: 360,
  fps: 30,
  frames: 150,
  duration_s: 5,
  title: "talkinghead",
  subtitle: "a narrator from one portrait and a voice-over",
  size: "md",
};

// Every composition's frame by default; a render takes the narrator's frame rate and length
// (calculateMetadata), and --width/--height on `remotion render` change the size.
const studioFrame = { width: 1280, height: 720, fps: 30, durationInFrames: 150 } as const;

// NarratorPiP: the narrator in a rounded box. NarratorCutout: the narrator cut out (a video with
// alpha) standing on the slide. Slide: the slide alone, with the same props.
export const RemotionRoot: React.FC = () => (
  <>
    <Composition
      id="NarratorPiP"
      component={NarratorPiP}
      {...studioFrame}
      defaultProps={defaultProps}
      calculateMetadata={calculateMetadata}
    />
    <Composition
      id="NarratorCutout"
      component={NarratorCutout}
      {...studioFrame}
      defaultProps={{ ...defaultProps, output: "narrator.webm", width: 720, height: 720 }}
      calculateMetadata={calculateMetadata}
    />
    <Composition
      id="Slide"
      component={Slide}
      {...studioFrame}
      defaultProps={{ title: defaultProps.title, subtitle: defaultProps.subtitle }}
    />
  </>
);

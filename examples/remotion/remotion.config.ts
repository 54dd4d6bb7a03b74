// Render with Debian's `chromium` package instead of a downloaded browser: with a browser
// executable set, Remotion never fetches Chrome Headless Shell. Command-line flags override these.
import { Config } from "@remotion/cli/config";

Config.setBrowserExecutable(process.env.REMOTION_BROWSER_EXECUTABLE ?? "/usr/bin/chromium");
// Debian's chromium is a full Chrome build, which only has the new headless mode.
Config.setChromeMode("chrome-for-testing");

// JupyterLab extension: an image output's alt text comes from its metadata.
//
// IPython lets a display carry metadata per MIME type, and the course stores each figure's description as
// output.metadata["image/png"]["alt"] (scalingedu.plotting.describe). nbconvert and nbviewer show it as the
// image's alt text; JupyterLab 4's image renderer ignores it, so a screen reader hears nothing of a figure. This
// renderer is JupyterLab's own, plus that one attribute: it replaces the default for the image types it lists.
import { RenderedImage } from "@jupyterlab/rendermime";

const IMAGE_TYPES = ["image/bmp", "image/png", "image/jpeg", "image/gif", "image/webp"];

class DescribedImage extends RenderedImage {
  async render(model) {
    await super.render(model);
    const metadata = model.metadata[this.mimeType];
    const alt = metadata && typeof metadata.alt === "string" ? metadata.alt : null;
    const img = this.node.querySelector("img");
    if (img && alt !== null) {
      img.alt = alt;
    }
  }
}

const extension = {
  id: "scalingedu-alt-text:images",
  description: "Image outputs show their alt metadata as alt text.",
  rendererFactory: {
    safe: true,
    mimeTypes: IMAGE_TYPES,
    defaultRank: 90,
    createRenderer: (options) => new DescribedImage(options),
  },
  rank: 90,
  dataType: "string",
};

export default extension;

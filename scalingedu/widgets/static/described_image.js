// A lesson widget's plot: a PNG with a text alternative (alt) that follows the widget's state.
// Used by scalingedu.widgets.accessible.DescribedImage through anywidget (no build step).
function render({ model, el }) {
  el.classList.add("scalingedu-figure");
  const img = document.createElement("img");
  img.className = "scalingedu-figure-image";
  img.style.maxWidth = "100%";
  el.appendChild(img);
  let url = null;

  const showImage = () => {
    const bytes = model.get("value");
    if (url) URL.revokeObjectURL(url);
    url = bytes && bytes.byteLength ? URL.createObjectURL(new Blob([bytes], { type: "image/png" })) : null;
    if (url) img.src = url; else img.removeAttribute("src");
  };
  const showAlt = () => { img.alt = model.get("alt"); };

  showImage();
  showAlt();
  model.on("change:value", showImage);
  model.on("change:alt", showAlt);
  return () => {
    model.off("change:value", showImage);
    model.off("change:alt", showAlt);
    if (url) URL.revokeObjectURL(url);
  };
}

export default { render };

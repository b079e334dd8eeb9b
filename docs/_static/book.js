// spelled-out: small improvements to how pages behave.
document.addEventListener("DOMContentLoaded", () => {
  // Graphs (SVG images in cell outputs) may shrink to fit the column, but not below 3/4 of
  // their drawn size, where their 11 pt labels would become hard to read: wider ones
  // scroll sideways inside their output instead.
  const keepReadable = (img) => {
    if (img.naturalWidth) img.style.minWidth = `${Math.round(0.75 * img.naturalWidth)}px`;
  };
  document.querySelectorAll('div.cell_output img[src$=".svg"]').forEach((img) => {
    if (img.complete) keepReadable(img);
    else img.addEventListener("load", () => keepReadable(img));
  });
  // The download menu's links save the chapter instead of opening it in a new tab.
  document.querySelectorAll(".dropdown-download-buttons a[href*='_sources/']").forEach((a) => {
    a.setAttribute("download", a.getAttribute("href").split("/").pop());
    a.removeAttribute("target");
  });
  // Dotted module names in the narrow "Contents" column may break after a dot, and only there.
  document.querySelectorAll(".bd-sidebar-secondary code.literal span.pre").forEach((span) => {
    const parts = span.textContent.split(".");
    span.replaceChildren(
      ...parts.flatMap((part, i) => (i ? [".", document.createElement("wbr"), part] : [part])),
    );
  });
});

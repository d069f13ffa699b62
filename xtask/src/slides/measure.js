// Marks <body data-overflowing="…"> with the slides (their ids) whose content runs below
// the slide, and `N:wide` for a code block wider than its slide. Slides are 1280x720 and
// scaled to the window: measurements are divided by that scale.
window.addEventListener("load", () => {
  const overflowing = [];
  document.querySelectorAll("section[id]").forEach((slide) => {
    const box = slide.getBoundingClientRect();
    if (box.height === 0) {
      return;
    }
    const scale = box.height / 720;
    let bottom = 0;
    slide.querySelectorAll("*").forEach((element) => {
      const rect = element.getBoundingClientRect();
      if (rect.width > 0 && rect.height > 0) {
        bottom = Math.max(bottom, (rect.bottom - box.top) / scale);
      }
    });
    if (bottom > 700) {
      overflowing.push(slide.id);
    }
    slide.querySelectorAll("pre").forEach((code) => {
      if (code.scrollWidth > code.clientWidth + 2) {
        overflowing.push(`${slide.id}:wide`);
      }
    });
  });
  document.body.setAttribute("data-overflowing", overflowing.join(" "));
});

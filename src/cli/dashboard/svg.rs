//! The dashboard's charts, as inline SVG: vertical bars (side by side or
//! stacked, with an optional line over them, for targets), horizontal bars
//! (with optional limit marks, or centred as a funnel) and lines. Colours
//! come from CSS classes (`c1` ... `c5`, `target`), so the page's stylesheet
//! sets them for light, dark and print. Every label is escaped here; the
//! numbers shown are formatted by the caller.
//!
//! A chart scales to its container's width (a `viewBox`, no fixed size);
//! its exact figures are in the table beside it.

use std::fmt::Write as _;

use super::html::esc;

/// The drawing's width in SVG units; heights vary by chart.
const WIDTH: f64 = 560.0;
/// Room for the y axis labels, and under the bars for the x labels.
const LEFT: f64 = 52.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 16.0;

/// One named series of values, drawn in the colour class `class`.
pub struct Series<'a> {
    pub name: &'a str,
    pub class: &'a str,
    /// One value per label; `None` is no data (a gap in a line).
    pub values: Vec<Option<f64>>,
}

/// A chart's frame: the `<svg>` element and its accessible title.
fn open(out: &mut String, chart: &str, title: &str, height: f64) {
    let _ = write!(
        out,
        r#"<svg class="chart" data-chart="{chart}" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = esc(title)
    );
}

/// A chart with nothing to draw says so, in the same frame.
fn empty(chart: &str, title: &str) -> String {
    let mut out = String::new();
    open(&mut out, chart, title, 60.0);
    let _ = write!(
        out,
        r#"<text class="note" x="{}" y="34" text-anchor="middle">No data in this window</text></svg>"#,
        WIDTH / 2.0
    );
    out
}

/// How a chart's value axis reads.
pub struct Axis<'a> {
    /// A value as a tick label.
    pub fmt: &'a dyn Fn(f64) -> String,
    /// Counts: steps of at least 1.
    pub whole: bool,
    /// A fixed top (100 for percentages); else it fits the values.
    pub top: Option<f64>,
}

impl Axis<'_> {
    /// The step between grid lines and the axis's top, a multiple of it:
    /// a step of 1, 2 or 5 x 10^k, at most five steps up to `max`.
    fn scale(&self, max: f64) -> (f64, f64) {
        if let Some(top) = self.top {
            return (top / 4.0, top);
        }
        let max = if max > 0.0 && max.is_finite() {
            max
        } else {
            1.0
        };
        let raw = max / 5.0;
        let power = 10f64.powf(raw.log10().floor());
        let mut step = [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|m| m * power)
            .find(|step| *step >= raw)
            .unwrap_or(10.0 * power);
        if self.whole {
            step = step.max(1.0).round();
        }
        (step, (max / step).ceil() * step)
    }
}

/// The y axis: a grid line with its label per step, from 0 to `top`.
fn y_axis(out: &mut String, (step, top): (f64, f64), height: f64, axis: &Axis<'_>) {
    let plot = height - TOP - BOTTOM;
    let steps = (top / step).round() as u32;
    for i in 0..=steps {
        let value = step * f64::from(i);
        let y = TOP + plot - plot * value / top;
        let _ = write!(
            out,
            r#"<line class="grid" x1="{LEFT}" x2="{WIDTH}" y1="{y:.1}" y2="{y:.1}"/><text class="tick" x="{x:.1}" y="{ty:.1}" text-anchor="end">{label}</text>"#,
            x = LEFT - 6.0,
            ty = y + 4.0,
            label = esc(&(axis.fmt)(value))
        );
    }
}

/// Labels under the x axis, thinned out when there are many; with more
/// than six, every other one is marked `alt`, for narrow screens to hide.
fn x_labels(out: &mut String, labels: &[String], height: f64) {
    let slot = (WIDTH - LEFT) / labels.len().max(1) as f64;
    let every = (labels.len() / 12).max(1);
    for (i, label) in labels.iter().enumerate() {
        if i % every != 0 {
            continue;
        }
        let class = if labels.len() > 6 && (i / every) % 2 == 1 {
            "tick alt"
        } else {
            "tick"
        };
        let x = LEFT + slot * (i as f64 + 0.5);
        let _ = write!(
            out,
            r#"<text class="{class}" x="{x:.1}" y="{y:.1}" text-anchor="middle">{}</text>"#,
            esc(label),
            y = height - BOTTOM + 16.0
        );
    }
}

/// The x axis with its labels, and the end of the chart.
fn close(out: &mut String, labels: &[String], height: f64) {
    x_labels(out, labels, height);
    let _ = write!(
        out,
        r#"<line class="axis" x1="{LEFT}" x2="{WIDTH}" y1="{y:.1}" y2="{y:.1}"/></svg>"#,
        y = height - BOTTOM
    );
}

/// A legend above the plot, one swatch per series.
fn legend(out: &mut String, series: &[(&str, &str)]) {
    let mut x = LEFT;
    for (name, class) in series {
        let _ = write!(
            out,
            r#"<rect class="{class}" x="{x:.1}" y="2" width="10" height="10" rx="2"/><text class="tick" x="{tx:.1}" y="11">{}</text>"#,
            esc(name),
            tx = x + 14.0
        );
        // Room for the larger text of narrow screens.
        x += 28.0 + 10.0 * name.chars().count() as f64;
    }
}

/// Vertical bars, one group per label with the series side by side (or
/// stacked), and `overlay` drawn as a line with points (a target).
pub fn bars(
    chart: &str,
    title: &str,
    labels: &[String],
    series: &[Series<'_>],
    overlay: Option<&Series<'_>>,
    stacked: bool,
    axis: &Axis<'_>,
) -> String {
    let value = |s: &Series<'_>, i: usize| s.values.get(i).copied().flatten().unwrap_or(0.0);
    let heights = (0..labels.len()).map(|i| {
        let bars = series.iter().map(|s| value(s, i));
        let bar = if stacked {
            bars.sum()
        } else {
            bars.fold(0.0, f64::max)
        };
        overlay.map_or(bar, |o| bar.max(value(o, i)))
    });
    let max = heights.fold(0.0, f64::max);
    if labels.is_empty() || max <= 0.0 {
        return empty(chart, title);
    }
    let height = 240.0;
    let scale = axis.scale(max);
    let top = scale.1;
    let plot = height - TOP - BOTTOM;
    let y_of = |v: f64| TOP + plot - plot * (v / top);
    let mut out = String::new();
    open(&mut out, chart, title, height);
    y_axis(&mut out, scale, height, axis);
    let mut names: Vec<(&str, &str)> = series.iter().map(|s| (s.name, s.class)).collect();
    if let Some(o) = overlay {
        names.push((o.name, o.class));
    }
    if names.len() > 1 {
        legend(&mut out, &names);
    }
    let slot = (WIDTH - LEFT) / labels.len() as f64;
    let group = slot * 0.72;
    let width = if stacked {
        group
    } else {
        group / series.len().max(1) as f64
    };
    for (i, label) in labels.iter().enumerate() {
        let x0 = LEFT + slot * i as f64 + (slot - group) / 2.0;
        let mut base = 0.0;
        for (k, s) in series.iter().enumerate() {
            let v = value(s, i);
            if v <= 0.0 {
                continue;
            }
            let (x, bottom) = if stacked {
                (x0, base)
            } else {
                (x0 + width * k as f64, 0.0)
            };
            let (y, h) = (y_of(bottom + v), plot * (v / top));
            let _ = write!(
                out,
                r#"<rect class="{}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"><title>{}: {} {}</title></rect>"#,
                s.class,
                esc(label),
                esc(s.name),
                esc(&(axis.fmt)(v)),
                w = (width - 1.0).max(1.0)
            );
            base += v;
        }
    }
    if let Some(o) = overlay {
        polyline(&mut out, o, slot, &y_of);
    }
    close(&mut out, labels, height);
    out
}

/// One series as a line through the middle of each label's slot, with a
/// point per value; a `None` breaks the line.
fn polyline(out: &mut String, series: &Series<'_>, slot: f64, y_of: &dyn Fn(f64) -> f64) {
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (i, v) in series.values.iter().enumerate() {
        match v {
            Some(v) => {
                let point = (LEFT + slot * (i as f64 + 0.5), y_of(*v));
                if let Some(run) = runs.last_mut() {
                    run.push(point);
                }
            }
            None => runs.push(Vec::new()),
        }
    }
    for run in runs.iter().filter(|r| r.len() > 1) {
        let points: Vec<String> = run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let _ = write!(
            out,
            r#"<polyline class="line {}" points="{}"/>"#,
            series.class,
            points.join(" ")
        );
    }
    for (x, y) in runs.iter().flatten() {
        let _ = write!(
            out,
            r#"<circle class="dot {}" cx="{x:.1}" cy="{y:.1}" r="3"/>"#,
            series.class
        );
    }
}

/// Lines over the labels.
pub fn lines(
    chart: &str,
    title: &str,
    labels: &[String],
    series: &[Series<'_>],
    axis: &Axis<'_>,
) -> String {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0, |a: f64, b| a.max(*b));
    let any = series.iter().any(|s| s.values.iter().any(Option::is_some));
    if labels.is_empty() || !any {
        return empty(chart, title);
    }
    let height = 220.0;
    let scale = axis.scale(max);
    let top = scale.1;
    let plot = height - TOP - BOTTOM;
    let y_of = |v: f64| TOP + plot - plot * (v / top).clamp(0.0, 1.0);
    let mut out = String::new();
    open(&mut out, chart, title, height);
    y_axis(&mut out, scale, height, axis);
    if series.len() > 1 {
        let names: Vec<(&str, &str)> = series.iter().map(|s| (s.name, s.class)).collect();
        legend(&mut out, &names);
    }
    let slot = (WIDTH - LEFT) / labels.len() as f64;
    for s in series {
        polyline(&mut out, s, slot, &y_of);
    }
    close(&mut out, labels, height);
    out
}

/// One horizontal bar.
pub struct HBar {
    pub label: String,
    pub value: f64,
    /// The text at the bar's end.
    pub note: String,
    pub class: &'static str,
    /// Limits to mark on the bar's scale (a stage's wip_min and wip_max).
    pub marks: Vec<f64>,
}

/// Horizontal bars, one per row, labels on the left; `centred` draws them
/// around the middle, as a funnel.
pub fn hbars(chart: &str, title: &str, rows: &[HBar], centred: bool) -> String {
    let max = rows
        .iter()
        .flat_map(|r| r.marks.iter().copied().chain([r.value]))
        .fold(0.0, f64::max);
    if rows.is_empty() || max <= 0.0 {
        return empty(chart, title);
    }
    let label_width = 130.0;
    let note_width = 120.0;
    let row_height = 28.0;
    let height = row_height * rows.len() as f64 + 8.0;
    let span = WIDTH - label_width - note_width;
    let mut out = String::new();
    open(&mut out, chart, title, height);
    for (i, row) in rows.iter().enumerate() {
        let y = 4.0 + row_height * i as f64;
        let w = (span * row.value / max).max(if row.value > 0.0 { 2.0 } else { 0.0 });
        let x = if centred {
            label_width + (span - w) / 2.0
        } else {
            label_width
        };
        let _ = write!(
            out,
            r#"<text class="label" x="{lx:.1}" y="{ty:.1}" text-anchor="end">{}</text><rect class="track" x="{label_width}" y="{y:.1}" width="{span:.1}" height="{bh:.1}" rx="3"/><rect class="{}" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{bh:.1}" rx="3"><title>{}: {}</title></rect>"#,
            esc(&clip(&row.label, 18)),
            row.class,
            esc(&row.label),
            esc(&row.note),
            lx = label_width - 8.0,
            ty = y + 15.0,
            bh = row_height - 8.0,
        );
        for mark in &row.marks {
            let mx = label_width + span * mark / max;
            let _ = write!(
                out,
                r#"<line class="mark" x1="{mx:.1}" x2="{mx:.1}" y1="{a:.1}" y2="{b:.1}"/>"#,
                a = y - 3.0,
                b = y + row_height - 5.0
            );
        }
        let _ = write!(
            out,
            r#"<text class="tick" x="{nx:.1}" y="{ty:.1}">{}</text>"#,
            esc(&row.note),
            nx = label_width + span + 8.0,
            ty = y + 15.0
        );
    }
    out.push_str("</svg>");
    out
}

/// `text` cut to `chars` characters, with an ellipsis when cut.
fn clip(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(chars - 1).collect();
        cut.push('…');
        cut
    }
}

/// A compact axis label: 950, 1.2k, 3.4M.
pub fn compact(value: f64) -> String {
    let (scaled, suffix) = match value.abs() {
        v if v >= 1e9 => (value / 1e9, "G"),
        v if v >= 1e6 => (value / 1e6, "M"),
        v if v >= 1e3 => (value / 1e3, "k"),
        _ => (value, ""),
    };
    let text = if scaled.fract().abs() < 0.05 || scaled.abs() >= 100.0 {
        format!("{scaled:.0}")
    } else {
        format!("{scaled:.1}")
    };
    format!("{text}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_step_by_nice_numbers() {
        let money = Axis {
            fmt: &compact,
            whole: false,
            top: None,
        };
        assert_eq!(money.scale(0.0), (0.2, 1.0));
        assert_eq!(money.scale(37_000.0), (10_000.0, 40_000.0));
        assert_eq!(money.scale(100.0), (20.0, 100.0));
        assert_eq!(money.scale(2_100.0), (500.0, 2_500.0));
        let counts = Axis {
            whole: true,
            ..money
        };
        assert_eq!(counts.scale(12.0), (5.0, 15.0));
        assert_eq!(counts.scale(2.0), (1.0, 2.0));
        let percent = Axis {
            top: Some(100.0),
            ..counts
        };
        assert_eq!(percent.scale(40.0), (25.0, 100.0));
    }

    #[test]
    fn compact_labels() {
        assert_eq!(compact(950.0), "950");
        assert_eq!(compact(1_260.0), "1.3k");
        assert_eq!(compact(40_000.0), "40k");
        assert_eq!(compact(3_400_000.0), "3.4M");
        assert_eq!(compact(12.5), "12.5");
    }

    #[test]
    fn labels_are_escaped_and_empty_charts_say_so() {
        let rows = [HBar {
            label: "<b>&".into(),
            value: 2.0,
            note: "2 \"deals\"".into(),
            class: "c1",
            marks: vec![3.0],
        }];
        let svg = hbars("x", "Title <i>", &rows, false);
        assert!(svg.contains("&lt;b&gt;&amp;"), "{svg}");
        assert!(svg.contains("2 &quot;deals&quot;"), "{svg}");
        assert!(svg.contains("<title>Title &lt;i&gt;</title>"), "{svg}");
        assert!(!svg.contains("<b>"));
        let axis = Axis {
            fmt: &compact,
            whole: false,
            top: None,
        };
        let none = bars("y", "Nothing", &[], &[], None, false, &axis);
        assert!(none.contains("No data in this window"), "{none}");
        assert!(none.contains(r#"data-chart="y""#));
    }
}

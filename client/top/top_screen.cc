#include "client/top/top_screen.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "client/render/render.h"
#include "client/render/text.h"

namespace claimd::client {
namespace {

namespace v1 = ::claims::v1;

constexpr size_t kHeaderLines = 3;  // state, counts, column header
constexpr size_t kFooterLines = 1;  // keys or filter prompt
constexpr size_t kGap = 2;          // spaces between columns
constexpr size_t kStatusWidth = 9;  // CONFIRMED
constexpr size_t kEvidenceWidth = 3;
constexpr size_t kAgeWidth = 4;
constexpr size_t kMinStatementWidth = 24;

// `text` cut to `width` ("..." marks a cut) and padded with spaces to it.
std::string Fit(absl::string_view text, size_t width) {
  std::string fitted = width > 3 ? Truncate(Sanitize(text), width)
                                 : PrefixColumns(Sanitize(text), width);
  const size_t shown = DisplayWidth(fitted);
  if (shown < width) fitted.append(width - shown, ' ');
  return fitted;
}

std::string FitRight(absl::string_view text, size_t width) {
  const std::string cut = PrefixColumns(text, width);
  return std::string(width - DisplayWidth(cut), ' ') + cut;
}

TopStyle StatusStyle(v1::VerificationStatus status, bool color) {
  if (!color) return TopStyle::kNormal;
  switch (status) {
    case v1::VERIFICATION_STATUS_REPORTED:
      return TopStyle::kReported;
    case v1::VERIFICATION_STATUS_CONFIRMED:
      return TopStyle::kConfirmed;
    case v1::VERIFICATION_STATUS_DENIED:
      return TopStyle::kDenied;
    default:
      return TopStyle::kNormal;
  }
}

// Cuts the spans of `line` so that it is at most `cols` wide.
TopLine Clip(TopLine line, size_t cols) {
  size_t left = cols;
  TopLine clipped;
  clipped.selected = line.selected;
  for (TopSpan& span : line.spans) {
    if (left == 0) break;
    span.text = PrefixColumns(span.text, left);
    left -= DisplayWidth(span.text);
    clipped.spans.push_back(std::move(span));
  }
  return clipped;
}

TopLine TextLine(std::string text, TopStyle style = TopStyle::kNormal) {
  TopLine line;
  line.spans.push_back({std::move(text), style});
  return line;
}

TopLine StateLine(const TopModel& model, const TopScreenSize& size) {
  TopLine line;
  line.spans.push_back(
      {absl::StrCat("claimctl top  ", model.server(), "  "), TopStyle::kTitle});
  const TopStyle warning = size.color ? TopStyle::kWarning : TopStyle::kTitle;
  switch (model.state()) {
    case ConnectionState::kConnecting:
      line.spans.push_back({"CONNECTING", TopStyle::kTitle});
      break;
    case ConnectionState::kLive:
      line.spans.push_back(
          {absl::StrCat(model.snapshot_complete() ? "LIVE" : "LOADING",
                        " at revision ", model.revision()),
           TopStyle::kTitle});
      break;
    case ConnectionState::kReconnecting: {
      std::string text = "RECONNECTING";
      if (model.revision() > 0) {
        absl::StrAppend(&text, " from revision ", model.revision());
      }
      const absl::Duration wait =
          std::max(model.retry_at() - size.now, absl::ZeroDuration());
      absl::StrAppend(
          &text,
          wait < absl::Seconds(1)
              ? std::string(" now")
              : absl::StrCat(" in ", absl::FormatDuration(
                                         absl::Trunc(wait, absl::Seconds(1)))),
          ": ", Sanitize(model.last_error().message()));
      line.spans.push_back({std::move(text), warning});
      break;
    }
    case ConnectionState::kFailed:
      line.spans.push_back(
          {absl::StrCat("FAILED (",
                        absl::StatusCodeToString(model.last_error().code()),
                        "): ", Sanitize(model.last_error().message())),
           warning});
      break;
  }
  if (!model.notice().empty()) {
    line.spans.push_back({absl::StrCat("  ", model.notice()), warning});
  }
  const std::string rate =
      absl::StrFormat("%.1f events/s", model.EventsPerSecond(size.now));
  size_t used = 0;
  for (const TopSpan& span : line.spans) used += DisplayWidth(span.text);
  if (used + kGap + rate.size() <= size.cols) {
    line.spans.push_back(
        {std::string(size.cols - used - rate.size(), ' ') + rate,
         TopStyle::kTitle});
  }
  return line;
}

TopLine CountsLine(const TopModel& model, bool color) {
  TopLine line;
  line.spans.push_back({absl::StrCat(
      model.size(), model.size() == 1 ? " claim  " : " claims  ")});
  for (v1::VerificationStatus status :
       {v1::VERIFICATION_STATUS_REPORTED, v1::VERIFICATION_STATUS_CONFIRMED,
        v1::VERIFICATION_STATUS_DENIED}) {
    line.spans.push_back({StatusName(status), StatusStyle(status, color)});
    line.spans.push_back({absl::StrCat(" ", model.Count(status), "  ")});
  }
  line.spans.push_back({absl::StrCat(
      "sort: ", TopSortName(model.sort()), "  filter: ",
      model.filter().empty() ? "(none)" : Sanitize(model.filter()))});
  return line;
}

struct Columns {
  size_t id;
  size_t source;
  size_t statement;
};

Columns ColumnWidths(const std::vector<const TopRow*>& rows, size_t cols) {
  size_t id = 2;
  size_t source = 6;
  for (const TopRow* row : rows) {
    id = std::max(id, DisplayWidth(row->id));
    source = std::max(source, DisplayWidth(row->last_source));
  }
  const size_t fixed = kStatusWidth + kEvidenceWidth + kAgeWidth + 5 * kGap;
  // What id and source may take so the statement keeps its minimum; a
  // narrow screen cuts the source before the id.
  const size_t budget =
      cols > fixed + kMinStatementWidth ? cols - fixed - kMinStatementWidth : 0;
  id = std::min({id, size_t{24},
                 std::max<size_t>(12, budget - std::min<size_t>(budget, 10))});
  source = std::min(
      {source, size_t{20}, std::max<size_t>(8, budget - std::min(budget, id))});
  const size_t used = id + source + fixed;
  return {id, source, cols > used ? cols - used : 0};
}

TopLine RowLine(const TopRow& row, const Columns& columns,
                const TopScreenSize& size) {
  const std::string gap(kGap, ' ');
  TopLine line;
  line.spans.push_back({Fit(row.id, columns.id) + gap});
  line.spans.push_back({Fit(StatusName(row.status), kStatusWidth),
                        StatusStyle(row.status, size.color)});
  line.spans.push_back(
      {gap + FitRight(absl::StrCat(row.evidence_count), kEvidenceWidth) + gap +
       Fit(row.last_source.empty() ? "-" : row.last_source, columns.source) +
       gap +
       FitRight(row.changed == absl::Time() ? "-"
                                            : FormatAge(size.now - row.changed),
                kAgeWidth) +
       gap + Fit(row.statement, columns.statement)});
  return line;
}

TopLine HeaderLine(const Columns& columns) {
  const std::string gap(kGap, ' ');
  return TextLine(
      absl::StrCat(Fit("ID", columns.id), gap, Fit("STATUS", kStatusWidth), gap,
                   FitRight("EV", kEvidenceWidth), gap,
                   Fit("SOURCE", columns.source), gap,
                   FitRight("AGE", kAgeWidth), gap, "STATEMENT"),
      TopStyle::kColumnHeader);
}

void AddHistory(const TopViewState& view, const TopScreenSize& size,
                TopScreen& screen) {
  screen.push_back(TextLine(absl::StrCat("history of ", view.history_name,
                                         "  (q or Esc: back, j/k: scroll)"),
                            TopStyle::kTitle));
  std::vector<std::string> lines;
  if (view.history_loading) {
    lines.push_back("loading...");
  } else if (!view.history_error.empty()) {
    lines.push_back(Sanitize(view.history_error));
  } else if (view.history.empty()) {
    lines.push_back("no events");
  } else {
    lines = absl::StrSplit(
        RenderHistoryTable(
            view.history, /*show_claim_id=*/false,
            {.color = false, .width = size.cols, .now = size.now}),
        '\n', absl::SkipEmpty());
  }
  const size_t visible = size.rows > 2 ? size.rows - 2 : 0;
  // The column header (first line) stays; the rest scrolls.
  const size_t scroll =
      lines.size() > 1 ? std::min(view.history_scroll, lines.size() - 1) : 0;
  for (size_t i = 0; i < lines.size() && screen.size() < 1 + visible; ++i) {
    if (i > 0 && i <= scroll) continue;
    screen.push_back(TextLine(lines[i], i == 0 && lines.size() > 1
                                            ? TopStyle::kColumnHeader
                                            : TopStyle::kNormal));
  }
}

}  // namespace

std::string PlainText(const TopLine& line) {
  std::string text;
  for (const TopSpan& span : line.spans) text += span.text;
  return text;
}

size_t TableRows(size_t rows) {
  return rows > kHeaderLines + kFooterLines ? rows - kHeaderLines - kFooterLines
                                            : 0;
}

size_t ScrollTop(size_t previous_top, size_t selected, size_t visible) {
  if (visible == 0) return selected;
  if (selected < previous_top) return selected;
  if (selected >= previous_top + visible) return selected + 1 - visible;
  return previous_top;
}

TopScreen RenderTopScreen(const TopModel& model, TopViewState& view,
                          const TopScreenSize& size) {
  TopScreen screen;
  if (view.mode == TopMode::kHistory) {
    AddHistory(view, size, screen);
  } else {
    screen.push_back(StateLine(model, size));
    screen.push_back(CountsLine(model, size.color));
    const std::vector<const TopRow*> rows = model.SortedRows();
    const Columns columns = ColumnWidths(rows, size.cols);
    screen.push_back(HeaderLine(columns));
    const size_t visible = TableRows(size.rows);
    const size_t selected = model.SelectedIndex();
    view.table_top = ScrollTop(view.table_top, selected, visible);
    if (rows.size() <= visible) view.table_top = 0;
    for (size_t i = view.table_top;
         i < rows.size() && i < view.table_top + visible; ++i) {
      TopLine line = RowLine(*rows[i], columns, size);
      line.selected = i == selected;
      screen.push_back(std::move(line));
    }
    if (rows.empty()) {
      screen.push_back(TextLine(
          model.state() == ConnectionState::kFailed
              ? "the watch failed (see above); / changes the filter, q quits"
          : model.snapshot_complete() ? "no claims match the filter"
                                      : "waiting for the snapshot..."));
    }
  }
  while (screen.size() + 1 < size.rows) screen.push_back(TopLine());
  if (view.mode == TopMode::kEditFilter) {
    screen.push_back(TextLine(absl::StrCat("filter: ", view.filter_draft, "_"),
                              TopStyle::kKeys));
  } else if (view.mode == TopMode::kTable) {
    screen.push_back(
        TextLine("j/k/arrows move  Enter history  / filter  s sort  q quit",
                 TopStyle::kKeys));
  } else {
    screen.push_back(TextLine("j/k scroll  q/Esc back", TopStyle::kKeys));
  }
  screen.resize(size.rows);
  for (TopLine& line : screen) line = Clip(std::move(line), size.cols);
  return screen;
}

}  // namespace claimd::client

using System.Globalization;
using System.Text.Json;
using ProcessFarm.Coordinator.Reports;
using Spectre.Console;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>Prints a <see cref="TuneReport"/> as a table, JSON, CSV, Markdown, or a self-contained HTML page.</summary>
internal static class TuneReportWriter
{
    private static readonly CultureInfo s_c = CultureInfo.InvariantCulture;

    public static void WriteText(TextWriter output, TuneReport report)
    {
        output.WriteLine(string.Create(s_c, $"tune: the process step on {report.Input} ({report.Geometry}), {Plural.Count(report.Repeat, "run")} each, median decides"));
        output.WriteLine(string.Create(s_c, $"cores: {Environment.ProcessorCount} (Environment.ProcessorCount, which respects CPU affinity and container quotas)"));
        if (report.Cluster is not null)
        {
            output.WriteLine(string.Create(s_c, $"cluster: workers per node, on {report.Cluster}"));
        }
        // "eff." rather than "efficiency": with GB/s the table would pass 80 columns.
        output.WriteLine("GB/s = the image's pixel bytes / median; eff. = speed-up / workers");
        var table = Terminal.Table("mode", ">workers", ">median ms", ">min ms", ">max ms", ">GB/s", ">speed-up", ">eff.");
        foreach (var r in report.Result.Rows)
        {
            table.AddRow(r.Mode, r.Workers.ToString(s_c), Ms(r.MedianSeconds), Ms(r.MinSeconds), Ms(r.MaxSeconds), report.ThroughputGbps(r).ToString("0.00", s_c), r.Speedup.ToString("0.00", s_c) + "x", r.Efficiency.ToString("P0", s_c));
        }
        Terminal.Write(output, table);
        foreach (string line in StartupLines(report))
        {
            output.WriteLine(line);
        }
        foreach (var (mode, (workers, why)) in report.Result.Recommended)
        {
            output.WriteLine($"recommended {mode}: {Plural.Count(workers, mode == "threads" ? "thread" : "worker")}{(mode == "cluster" ? " per node" : string.Empty)} ({why})");
        }
    }

    public static void WriteJson(TextWriter output, TuneReport report) => output.WriteLine(JsonSerializer.Serialize(new
    {
        cores = Environment.ProcessorCount,
        image = report.Geometry.ToString(),
        repeat = report.Repeat,
        results = report.Result.Rows.Select(r => new { mode = r.Mode, workers = r.Workers, median_s = r.MedianSeconds, min_s = r.MinSeconds, max_s = r.MaxSeconds, throughput_gbps = report.ThroughputGbps(r), speedup = r.Speedup, efficiency = r.Efficiency }),
        cluster = report.Cluster,
        recommended = report.Result.Recommended.ToDictionary(p => p.Key, p => p.Value.Workers),
        startup = report.Result.Startups.Select(s => new { mode = s.Mode, workers = s.Workers, pool_ms = s.PoolMs, worker_ready_ms = s.MeanWorkerReadyMs }),
        bare_worker_start_ms = report.BareStartMs,
    }));

    public static void WriteCsv(TextWriter output, TuneReport report)
    {
        output.WriteLine("mode,workers,median_s,min_s,max_s,speedup,efficiency,recommended");
        foreach (var r in report.Result.Rows)
        {
            output.WriteLine(string.Create(s_c, $"{r.Mode},{r.Workers},{r.MedianSeconds},{r.MinSeconds},{r.MaxSeconds},{r.Speedup},{r.Efficiency},{(report.Result.Recommended[r.Mode].Workers == r.Workers ? 1 : 0)}"));
        }
    }

    public static void WriteMarkdown(TextWriter output, TuneReport report)
    {
        output.WriteLine(string.Create(s_c, $"Process step on {report.Input} ({report.Geometry}), median of {Plural.Count(report.Repeat, "run")}, {Plural.Count(Environment.ProcessorCount, "core")}.\n"));
        output.WriteLine("| mode | workers | median ms | min ms | max ms | speed-up | efficiency |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in report.Result.Rows)
        {
            string mark = report.Result.Recommended[r.Mode].Workers == r.Workers ? " **(recommended)**" : string.Empty;
            output.WriteLine(string.Create(s_c, $"| {r.Mode} | {r.Workers}{mark} | {Ms(r.MedianSeconds)} | {Ms(r.MinSeconds)} | {Ms(r.MaxSeconds)} | {r.Speedup:0.00}x | {r.Efficiency:P0} |"));
        }
        output.WriteLine();
        foreach (string line in StartupLines(report))
        {
            output.WriteLine("- " + line);
        }
        foreach (var (mode, (workers, why)) in report.Result.Recommended)
        {
            output.WriteLine($"- recommended {mode}: {workers} ({why})");
        }
    }

    /// <summary>The HTML report: speed-up against workers per mode beside the ideal line, times, start-up, recommendations.</summary>
    public static void WriteHtml(string path, TuneReport report)
    {
        var rows = report.Result.Rows;
        string[] modes = [.. rows.Select(r => r.Mode).Distinct()];
        int maxWorkers = rows.Max(r => r.Workers);
        var page = new HtmlReport("processfarm tune: worker counts per core");
        page.Paragraph(string.Create(s_c, $"The process step (the LUT over every tile) on {report.Input} ({report.Geometry}), median of {Plural.Count(report.Repeat, "warm run")} per point. {Plural.Count(Environment.ProcessorCount, "usable core")} (Environment.ProcessorCount: CPU affinity and container quotas respected)."));
        page.LineChart(
            "Speed-up over one worker",
            "workers",
            "speed-up (x)",
            [.. modes.Select(m => new HtmlReport.Series(m, [.. rows.Where(r => r.Mode == m).Select(r => ((double)r.Workers, r.Speedup))]))],
            logX: false,
            logY: false,
            formatX: x => x.ToString("0.#", s_c),
            formatY: y => y.ToString("0.#", s_c),
            reference: IdealSpeedup(maxWorkers),
            minXStep: 1);
        page.LineChart(
            "Median time of the process step",
            "workers",
            "milliseconds (log)",
            [.. modes.Select(m => new HtmlReport.Series(m, [.. rows.Where(r => r.Mode == m).Select(r => ((double)r.Workers, r.MedianSeconds * 1e3))]))],
            logX: false,
            logY: true,
            formatX: x => x.ToString("0.#", s_c),
            formatY: y => y.ToString("0.##", s_c),
            minXStep: 1);
        page.Heading("Recommended");
        page.Table(["mode", "workers", "why"], report.Result.Recommended.Select(p => (IReadOnlyList<string>)[p.Key, p.Value.Workers.ToString(s_c), p.Value.Why]), [false, true, false]);
        page.Heading("All runs");
        page.Table(
            ["mode", "workers", "median ms", "min ms", "max ms", "speed-up", "efficiency"],
            rows.Select(r => (IReadOnlyList<string>)[r.Mode, r.Workers.ToString(s_c), Ms(r.MedianSeconds), Ms(r.MinSeconds), Ms(r.MaxSeconds), r.Speedup.ToString("0.00", s_c) + "x", r.Efficiency.ToString("P0", s_c)]),
            [false, true, true, true, true, true, true]);
        if (report.Result.Startups.Count > 0 && report.BareStartMs is double bareMs)
        {
            page.Heading("Worker start-up");
            page.Table(
                ["mode", "workers", "pool ready ms", "per worker, spawn to handshake ms", "vs bare start"],
                report.Result.Startups.Select(s => (IReadOnlyList<string>)[s.Mode, s.Workers.ToString(s_c), s.PoolMs.ToString("0", s_c), s.MeanWorkerReadyMs.ToString("0", s_c), (s.MeanWorkerReadyMs / bareMs).ToString("0.0", s_c) + "x"]),
                [false, true, true, true, true]);
            page.Paragraph(string.Create(s_c, $"Bare start: the worker binary started with nothing to do exits after {bareMs:0} ms (median of {TuneRunner.BareStartRuns}), the plain .NET start-up it is compared with."));
        }
        page.Save(path);
    }

    /// <summary>
    /// The ideal speed-up: linear up to the machine's cores, flat beyond them (more workers than cores cannot run
    /// at once).
    /// </summary>
    public static HtmlReport.Series IdealSpeedup(int maxWorkers)
    {
        int cores = Environment.ProcessorCount;
        return new HtmlReport.Series(
            string.Create(s_c, $"ideal (linear up to {Plural.Count(cores, "core")})"),
            [.. Enumerable.Range(1, maxWorkers).Select(w => ((double)w, (double)Math.Min(w, cores)))]);
    }

    private static IEnumerable<string> StartupLines(TuneReport report)
    {
        if (report.BareStartMs is not double bareMs)
        {
            yield break; // no worker mode ran: nothing started
        }
        foreach (var s in report.Result.Startups)
        {
            yield return string.Create(s_c, $"start-up {s.Mode} x {s.Workers}: pool ready in {s.PoolMs:0} ms, {s.MeanWorkerReadyMs:0} ms per worker from spawn to handshake ({s.MeanWorkerReadyMs / bareMs:0.0}x the bare start)");
        }
        yield return string.Create(s_c, $"bare start: the worker binary started with nothing to do exits after {bareMs:0} ms (median of {TuneRunner.BareStartRuns})");
    }

    private static string Ms(double seconds) => (seconds * 1e3).ToString("0.00", s_c);
}

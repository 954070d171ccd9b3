using System.Globalization;
using System.Text.Json;
using ProcessFarm.Coordinator.Reports;
using Spectre.Console;

namespace ProcessFarm.Coordinator.Echo;

/// <summary>Prints echo results as a text table, JSON, CSV or Markdown.</summary>
internal static class EchoReportWriter
{
    private static readonly CultureInfo s_c = CultureInfo.InvariantCulture;

    /// <summary>
    /// This row's median over the fastest median among the rows that move the same payload (pipe, shm). Null for
    /// threads, which hands over a reference and moves nothing: a ratio to it would compare work with no work.
    /// </summary>
    public static double? RatioToFastest(EchoMeasurement row, IReadOnlyList<EchoMeasurement> all)
    {
        if (!MovesPayload(row))
        {
            return null;
        }
        return row.Median / all.Where(r => MovesPayload(r) && r.Payload == row.Payload && r.Bytes == row.Bytes).Min(r => r.Median);
    }

    /// <summary>2 x payload / median round trip, or null for threads, where nothing moves.</summary>
    public static double? Throughput(EchoMeasurement row) => MovesPayload(row) ? row.ThroughputGbps : null;

    /// <summary>
    /// A cluster row's throughput as a share of the tcp row's (the link's ceiling) for the same payload: 0.5 means
    /// half the bare socket's GB/s. Null for rows outside the cluster run, or when no tcp row moved that payload.
    /// </summary>
    public static double? RatioToTcp(EchoMeasurement row, IReadOnlyList<EchoMeasurement> all)
    {
        if (!IsClusterRow(row))
        {
            return null;
        }
        var tcp = all.FirstOrDefault(r => r.Mode == "tcp" && r.Payload == row.Payload && r.Bytes == row.Bytes);
        return tcp is null ? null : tcp.Median / row.Median;
    }

    /// <summary>A row of <c>echo --mode cluster</c>: cluster (frames over TCP), rpc (grain calls) or tcp (bare sockets).</summary>
    public static bool IsClusterRow(EchoMeasurement row) => row.Mode is "cluster" or "rpc" or "tcp";

    /// <summary>Whether a row's serialize and deserialize were measured: frames (pipe, cluster) only. rpc serializes inside Orleans, tcp not at all.</summary>
    private static bool HasBreakdown(EchoMeasurement row) => row.Mode is "pipe" or "cluster";

    /// <summary>The round trip less serialize, worker and deserialize: frames' remainder, all of tcp's, unknown for rpc.</summary>
    private static double? Transfer(EchoMeasurement row) => row.Mode switch
    {
        "pipe" or "cluster" => row.TransferSeconds,
        "tcp" => row.Median,
        _ => null,
    };

    /// <summary>
    /// The text report: one table per payload kind, each under 80 columns (times with their own unit, ns to s), where
    /// a pipe round trip's time went, and the small-message latency. <paramref name="plain"/> writes "us" for µs.
    /// </summary>
    public static void WriteText(TextWriter output, IReadOnlyList<EchoMeasurement> results, IReadOnlyList<LatencyMeasurement> latency, int workers, bool plain, EchoClusterRun? cluster = null)
    {
        output.WriteLine(string.Create(s_c, $"echo: payloads sent to {Plural.Count(workers, "worker process", "worker processes")} (pipe, shm) or to another thread"));
        output.WriteLine("(threads) and back. GB/s = 2 x payload / median round trip. threads hands over a");
        output.WriteLine("reference and moves nothing: its time is the hand-off alone, with no GB/s (-).");
        var complex = results.Where(r => r.Payload == "complex").ToList();
        if (complex.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(string.Create(s_c, $"complex: {complex[0].Items:N0} complex numbers ({Size(complex[0].Bytes)}), {Plural.Count(complex[0].RoundTripSeconds.Length, "round trip")} per mode"));
            var table = Terminal.Table("mode", ">median", ">min", ">max", ">GB/s", ">vs fastest");
            foreach (var r in complex)
            {
                table.AddRow(r.Mode, Duration(r.Median, plain), Duration(r.Min, plain), Duration(r.Max, plain), Gbps(Throughput(r)), Ratio(RatioToFastest(r, results)));
            }
            Terminal.Write(output, table);
        }
        var bytes = results.Where(r => r.Payload == "bytes").ToList();
        if (bytes.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(string.Create(s_c, $"bytes: one payload of each size, {Plural.Count(bytes[0].RoundTripSeconds.Length, "round trip")} per mode and size"));
            var table = Terminal.Table(">size", "mode", ">median", ">min", ">max", ">GB/s", ">vs fastest");
            foreach (var r in bytes)
            {
                table.AddRow(Size(r.Bytes), r.Mode, Duration(r.Median, plain), Duration(r.Min, plain), Duration(r.Max, plain), Gbps(Throughput(r)), Ratio(RatioToFastest(r, results)));
            }
            Terminal.Write(output, table);
        }
        var pipe = results.Where(r => r.Mode == "pipe").ToList();
        var shm = results.Where(r => r.Mode == "shm").ToList();
        if (pipe.Count > 0 || shm.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("where the time went (medians): pipe's serialize, worker (its re-encoding) and");
            output.WriteLine("deserialize are busy times within a round trip, which overlap, and transfer is");
            output.WriteLine("what remains of it; shm writes the payload into the region once, outside its");
            output.WriteLine("round trips");
            var table = Terminal.Table("payload", ">serialize", ">worker", ">transfer", ">deserialize", ">shm write");
            foreach (var (payload, size) in results.Select(r => (r.Payload, r.Bytes)).Distinct())
            {
                var p = pipe.FirstOrDefault(r => r.Payload == payload && r.Bytes == size);
                var m = shm.FirstOrDefault(r => r.Payload == payload && r.Bytes == size);
                table.AddRow(
                    payload == "complex" ? "complex" : Size(size),
                    p is null ? "-" : Duration(p.SerializeSeconds, plain),
                    p is null ? "-" : Duration(p.WorkerSeconds, plain),
                    p is null ? "-" : Duration(p.TransferSeconds, plain),
                    p is null ? "-" : Duration(p.DeserializeSeconds, plain),
                    m is null ? "-" : Duration(m.RegionWriteSeconds, plain));
            }
            Terminal.Write(output, table);
        }
        if (cluster is not null)
        {
            WriteClusterText(output, results, cluster, plain);
        }
        if (latency.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(string.Create(s_c, $"latency: {latency[0].RoundTrips:N0} round trips of {latency[0].PayloadBytes} bytes per mode"));
            var latencyTable = Terminal.Table("mode", ">p50", ">p99");
            foreach (var l in latency)
            {
                latencyTable.AddRow(l.Mode, Duration(l.P50Us / 1e6, plain), Duration(l.P99Us / 1e6, plain));
            }
            Terminal.Write(output, latencyTable);
        }
    }

    /// <summary>The cluster run's link, and its rows against the tcp ceiling with where their time went.</summary>
    private static void WriteClusterText(TextWriter output, IReadOnlyList<EchoMeasurement> results, EchoClusterRun cluster, bool plain)
    {
        output.WriteLine();
        output.WriteLine(string.Create(s_c, $"cluster: {Plural.Count(cluster.Workers, "worker process", "worker processes")} on {Plural.Count(cluster.Nodes, "node")}; link measured:"));
        foreach (string link in cluster.Link.Split("; "))
        {
            output.WriteLine("  " + link);
        }
        output.WriteLine("cluster = frames over TCP to the nodes' workers, as pipe; rpc = the same bytes");
        output.WriteLine(string.Create(s_c, $"as {Size(ClusterEcho.RpcChunkBytes)} Orleans grain calls; tcp = bare sockets to the nodes, one per"));
        output.WriteLine("worker: the link's ceiling. vs tcp = GB/s over tcp's GB/s. rpc and tcp carry");
        output.WriteLine("bytes only; n/a: not separable there (Orleans serializes inside its calls)");
        var table = Terminal.Table("payload", "mode", ">GB/s", ">vs tcp", ">serialize", ">transfer", ">deserialize");
        foreach (var r in results.Where(IsClusterRow))
        {
            table.AddRow(
                r.Payload == "complex" ? "complex" : Size(r.Bytes),
                r.Mode,
                Gbps(r.ThroughputGbps),
                RatioToTcp(r, results) is double v ? F(v, "0.00") + "x" : "-",
                HasBreakdown(r) ? Duration(r.SerializeSeconds, plain) : "n/a",
                Transfer(r) is double t ? Duration(t, plain) : "n/a",
                HasBreakdown(r) ? Duration(r.DeserializeSeconds, plain) : "n/a");
        }
        Terminal.Write(output, table);
    }

    /// <summary>A time with the unit that keeps it readable: 850 ns, 12.3 µs (us when plain), 58.39 ms, 1.234 s.</summary>
    public static string Duration(double seconds, bool plain = false) => seconds switch
    {
        0 => "0",
        < 1e-6 => F(seconds * 1e9, "0") + " ns",
        < 1e-3 => F(seconds * 1e6, seconds < 1e-5 ? "0.00" : seconds < 1e-4 ? "0.0" : "0") + (plain ? " us" : " µs"),
        < 1 => F(seconds * 1e3, seconds < 1e-2 ? "0.00" : seconds < 1e-1 ? "0.0" : "0") + " ms",
        _ => F(seconds, "0.000") + " s",
    };

    private static string Gbps(double? gbps) => gbps is double g ? F(g, g < 10 ? "0.00" : g < 100 ? "0.0" : "0") : "-";

    private static string Ratio(double? ratio) => ratio is double r ? F(r, r < 100 ? "0.0" : "0") + "x" : "-";

    private static bool MovesPayload(EchoMeasurement row) => row.Mode != "threads";

    private static string F(double value, string format) => value.ToString(format, s_c);

    public static void WriteJson(TextWriter output, IReadOnlyList<EchoMeasurement> results, IReadOnlyList<LatencyMeasurement> latency, int repeat, EchoClusterRun? cluster = null)
    {
        var document = new
        {
            machine = new
            {
                cores = Environment.ProcessorCount,
                cpu = CpuModel(),
                os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            },
            results = results.Select(r => new
            {
                mode = r.Mode,
                payload = r.Payload,
                bytes = r.Bytes,
                items = r.Items,
                repeat,
                median_s = r.Median,
                min_s = r.Min,
                max_s = r.Max,
                throughput_gbps = Throughput(r),
                ratio_to_fastest = RatioToFastest(r, results),
                ratio_to_tcp = RatioToTcp(r, results),
                serialize_s = r.Mode is "rpc" or "tcp" ? (double?)null : r.SerializeSeconds,
                transfer_s = IsClusterRow(r) ? Transfer(r) : r.Mode == "pipe" ? r.TransferSeconds : 0,
                deserialize_s = r.Mode is "rpc" or "tcp" ? (double?)null : r.DeserializeSeconds,
                region_write_s = r.RegionWriteSeconds,
            }),
            cluster = cluster is null ? null : new { link = cluster.Link, nodes = cluster.Nodes, workers = cluster.Workers, rpc_chunk_bytes = ClusterEcho.RpcChunkBytes },
            latency = latency.Select(l => new { mode = l.Mode, payload_bytes = l.PayloadBytes, round_trips = l.RoundTrips, p50_us = l.P50Us, p99_us = l.P99Us }),
        };
        output.WriteLine(JsonSerializer.Serialize(document));
    }

    /// <summary>One row per mode and payload, times in seconds; throughput and ratio empty for threads.</summary>
    public static void WriteCsv(TextWriter output, IReadOnlyList<EchoMeasurement> results)
    {
        output.WriteLine("mode,payload,bytes,items,median_s,min_s,max_s,throughput_gbps,ratio_to_fastest,serialize_s,transfer_s,deserialize_s");
        foreach (var r in results)
        {
            bool opaque = r.Mode is "rpc" or "tcp"; // n/a: left empty
            output.WriteLine(Csv.Line(r.Mode, r.Payload, r.Bytes, r.Items, r.Median, r.Min, r.Max, Throughput(r), RatioToFastest(r, results), opaque ? null : r.SerializeSeconds, IsClusterRow(r) ? Transfer(r) : r.Mode == "pipe" ? r.TransferSeconds : 0, opaque ? null : r.DeserializeSeconds));
        }
    }

    /// <summary>The text report's rows as Markdown tables, times with their own unit.</summary>
    public static void WriteMarkdown(TextWriter output, IReadOnlyList<EchoMeasurement> results, IReadOnlyList<LatencyMeasurement> latency, EchoClusterRun? cluster = null)
    {
        output.WriteLine("| mode | payload | size | items | median | min | max | GB/s | vs fastest |");
        output.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
        {
            output.WriteLine(Csv.MarkdownRow(r.Mode, r.Payload, Size(r.Bytes), r.Items, Duration(r.Median), Duration(r.Min), Duration(r.Max), Gbps(Throughput(r)), Ratio(RatioToFastest(r, results))));
        }
        output.WriteLine();
        output.WriteLine("GB/s = 2 x payload / median round trip; threads hands over a reference and moves nothing (-).");
        if (cluster is not null)
        {
            output.WriteLine();
            output.WriteLine(string.Create(s_c, $"cluster: {Plural.Count(cluster.Workers, "worker process", "worker processes")} on {Plural.Count(cluster.Nodes, "node")}; link: {cluster.Link}. vs tcp = GB/s over the tcp row's GB/s."));
            output.WriteLine();
            output.WriteLine("| mode | payload | size | GB/s | vs tcp |");
            output.WriteLine("| --- | --- | ---: | ---: | ---: |");
            foreach (var r in results.Where(IsClusterRow))
            {
                output.WriteLine(Csv.MarkdownRow(r.Mode, r.Payload, Size(r.Bytes), Gbps(r.ThroughputGbps), RatioToTcp(r, results) is double v ? F(v, "0.00") + "x" : "-"));
            }
        }
        if (latency.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("| mode | payload | round trips | p50 | p99 |");
            output.WriteLine("| --- | ---: | ---: | ---: | ---: |");
            foreach (var l in latency)
            {
                output.WriteLine(Csv.MarkdownRow(l.Mode, $"{l.PayloadBytes} B", l.RoundTrips, Duration(l.P50Us / 1e6), Duration(l.P99Us / 1e6)));
            }
        }
    }

    /// <summary>The self-contained HTML report: throughput against payload size per mode (log axes), latency bars, tables.</summary>
    public static void WriteHtml(string path, IReadOnlyList<EchoMeasurement> results, IReadOnlyList<LatencyMeasurement> latency, int repeat, int workers, EchoClusterRun? cluster = null)
    {
        var report = new HtmlReport("processfarm echo: what moving data between processes costs");
        if (cluster is not null)
        {
            report.Paragraph(string.Create(s_c, $"Cluster rows: {Plural.Count(cluster.Workers, "worker process", "worker processes")} on {Plural.Count(cluster.Nodes, "node")}, link {cluster.Link}. cluster = frames over TCP to the nodes' workers; rpc = the same bytes as Orleans grain calls; tcp = bare sockets, the link's ceiling."));
        }
        report.Paragraph(string.Create(s_c, $"Payloads sent to {Plural.Count(workers, "worker process", "worker processes")} (pipe, shm) or another thread (threads) and back untouched; median of {Plural.Count(repeat, "run")}. Throughput = 2 x payload / round trip; threads hands over a reference and moves nothing, so it has a hand-off time and no throughput. Machine: {CpuModel()}, {Plural.Count(Environment.ProcessorCount, "usable core")}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}."));
        string[] modes = [.. results.Where(MovesPayload).Select(r => r.Mode).Distinct()];
        var bytes = results.Where(r => r.Payload == "bytes").ToList();
        if (bytes.Count > 0)
        {
            report.LineChart(
                "Throughput by payload size (bytes payload)",
                "payload size",
                "effective GB/s (log)",
                [.. modes.Select(m => new HtmlReport.Series(m, [.. bytes.Where(r => r.Mode == m).Select(r => ((double)r.Bytes, r.ThroughputGbps))]))],
                logX: true,
                logY: true,
                formatX: x => Size((long)Math.Round(x)),
                xLogBase: 4,
                formatY: y => y.ToString(y < 1 ? "0.###" : "0.#", s_c));
        }
        var complexRows = results.Where(r => r.Payload == "complex").ToList();
        if (complexRows.Count > 0)
        {
            report.Heading(string.Create(s_c, $"The article's experiment: {complexRows[0].Items:N0} complex numbers"));
            report.Table(
                ["mode", "median", "min", "max", "vs fastest", "pipe: serialize / transfer / deserialize"],
                complexRows.Select(r => (IReadOnlyList<string>)[r.Mode, Duration(r.Median), Duration(r.Min), Duration(r.Max), Ratio(RatioToFastest(r, results)),
                    r.Mode == "pipe" ? $"{Duration(r.SerializeSeconds)} / {Duration(r.TransferSeconds)} / {Duration(r.DeserializeSeconds)}" : r.Mode == "shm" ? $"region write {Duration(r.RegionWriteSeconds)}, outside the round trip" : "a reference handed over: nothing moves"]),
                [false, true, true, true, true, false]);
        }
        if (latency.Count > 0)
        {
            report.BarChart(
                string.Create(s_c, $"Small-message latency: {latency[0].RoundTrips:N0} round trips of {latency[0].PayloadBytes} bytes"),
                "microseconds (log)",
                [.. latency.Select(l => l.Mode)],
                [("p50", [.. latency.Select(l => l.P50Us)]), ("p99", [.. latency.Select(l => l.P99Us)])],
                v => v.ToString(v < 1 ? "0.##" : v < 10 ? "0.0" : "0", s_c),
                logY: true);
        }
        report.Heading("All measurements");
        report.Table(
            ["mode", "payload", "size", "items", "median", "min", "max", "GB/s", "vs fastest"],
            results.Select(r => (IReadOnlyList<string>)[r.Mode, r.Payload, Size(r.Bytes), r.Items.ToString(s_c), Duration(r.Median), Duration(r.Min), Duration(r.Max), Gbps(Throughput(r)), Ratio(RatioToFastest(r, results))]),
            [false, false, true, true, true, true, true, true, true]);
        report.Save(path);
    }

    /// <summary>A size as tables show it: 1 KiB, 15.3 MiB (powers of 1024, like --size).</summary>
    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => string.Create(s_c, $"{bytes >> 30} GiB"),
        >= 1L << 20 => string.Create(s_c, $"{bytes / (double)(1 << 20):0.#} MiB"),
        >= 1L << 10 => string.Create(s_c, $"{bytes / 1024.0:0.#} KiB"),
        _ => string.Create(s_c, $"{bytes} B"),
    };

    /// <summary>A size as --size takes it: 1K, 256M, 1G, or bytes.</summary>
    public static string SizeAsTyped(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => string.Create(s_c, $"{bytes >> 30}G"),
        >= 1L << 20 when bytes % (1L << 20) == 0 => string.Create(s_c, $"{bytes >> 20}M"),
        >= 1L << 10 when bytes % (1L << 10) == 0 => string.Create(s_c, $"{bytes >> 10}K"),
        _ => bytes.ToString(s_c),
    };

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}

using System.Globalization;
using System.Text.Json;
using ProcessFarm.Coordinator.Reports;
using Spectre.Console;

namespace ProcessFarm.Coordinator.Echo;

/// <summary>Prints echo results as a text table, JSON, CSV or Markdown.</summary>
internal static class EchoReportWriter
{
    private static readonly CultureInfo s_c = CultureInfo.InvariantCulture;

    /// <summary>Median of this row over the fastest median among rows with the same payload and size.</summary>
    public static double RatioToFastest(EchoMeasurement row, IReadOnlyList<EchoMeasurement> all) =>
        row.Median / all.Where(r => r.Payload == row.Payload && r.Bytes == row.Bytes).Min(r => r.Median);

    public static void WriteText(TextWriter output, IReadOnlyList<EchoMeasurement> results, IReadOnlyList<LatencyMeasurement> latency, int workers)
    {
        output.WriteLine(string.Create(s_c, $"echo: round trips through {workers} workers (pipe, shm) or another thread (threads); throughput = 2 x payload / round trip"));
        var table = Terminal.Table("mode", "payload", ">size", ">items", ">median s", ">min s", ">max s", ">GB/s", ">vs fastest", "serialize / transfer / deserialize s");
        foreach (var r in results)
        {
            string breakdown = r.Mode == "pipe" ? string.Create(s_c, $"{r.SerializeSeconds:0.0000} / {r.TransferSeconds:0.0000} / {r.DeserializeSeconds:0.0000}") : r.Mode == "shm" ? string.Create(s_c, $"(region write {r.RegionWriteSeconds:0.0000}, not in the round trip)") : string.Empty;
            table.AddRow(r.Mode, r.Payload, Size(r.Bytes), r.Items.ToString(s_c), F(r.Median, "0.000000"), F(r.Min, "0.000000"), F(r.Max, "0.000000"), F(r.ThroughputGbps, "0.00"), F(RatioToFastest(r, results), "0.0") + "x", breakdown);
        }
        Terminal.Write(output, table);
        if (latency.Count > 0)
        {
            var latencyTable = Terminal.Table("latency", ">payload", ">round trips", ">p50 us", ">p99 us");
            foreach (var l in latency)
            {
                latencyTable.AddRow(l.Mode, $"{l.PayloadBytes} B", l.RoundTrips.ToString(s_c), F(l.P50Us, "0.0"), F(l.P99Us, "0.0"));
            }
            Terminal.Write(output, latencyTable);
        }
    }

    private static string F(double value, string format) => value.ToString(format, s_c);

    public static void WriteJson(TextWriter output, IReadOnlyList<EchoMeasurement> results, IReadOnlyList<LatencyMeasurement> latency, int repeat)
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
                throughput_gbps = r.ThroughputGbps,
                ratio_to_fastest = RatioToFastest(r, results),
                serialize_s = r.SerializeSeconds,
                transfer_s = r.Mode == "pipe" ? r.TransferSeconds : 0,
                deserialize_s = r.DeserializeSeconds,
                region_write_s = r.RegionWriteSeconds,
            }),
            latency = latency.Select(l => new { mode = l.Mode, payload_bytes = l.PayloadBytes, round_trips = l.RoundTrips, p50_us = l.P50Us, p99_us = l.P99Us }),
        };
        output.WriteLine(JsonSerializer.Serialize(document));
    }

    public static void WriteCsv(TextWriter output, IReadOnlyList<EchoMeasurement> results)
    {
        output.WriteLine("mode,payload,bytes,items,median_s,min_s,max_s,throughput_gbps,ratio_to_fastest,serialize_s,transfer_s,deserialize_s");
        foreach (var r in results)
        {
            output.WriteLine(string.Create(s_c, $"{r.Mode},{r.Payload},{r.Bytes},{r.Items},{r.Median},{r.Min},{r.Max},{r.ThroughputGbps},{RatioToFastest(r, results)},{r.SerializeSeconds},{(r.Mode == "pipe" ? r.TransferSeconds : 0)},{r.DeserializeSeconds}"));
        }
    }

    public static void WriteMarkdown(TextWriter output, IReadOnlyList<EchoMeasurement> results, IReadOnlyList<LatencyMeasurement> latency)
    {
        output.WriteLine("| mode | payload | size | items | median s | min s | max s | GB/s | vs fastest |");
        output.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
        {
            output.WriteLine(string.Create(s_c, $"| {r.Mode} | {r.Payload} | {Size(r.Bytes)} | {r.Items} | {r.Median:0.000000} | {r.Min:0.000000} | {r.Max:0.000000} | {r.ThroughputGbps:0.00} | {RatioToFastest(r, results):0.0}x |"));
        }
        if (latency.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("| mode | payload | round trips | p50 us | p99 us |");
            output.WriteLine("| --- | ---: | ---: | ---: | ---: |");
            foreach (var l in latency)
            {
                output.WriteLine(string.Create(s_c, $"| {l.Mode} | {l.PayloadBytes} B | {l.RoundTrips} | {l.P50Us:0.0} | {l.P99Us:0.0} |"));
            }
        }
    }

    /// <summary>The self-contained HTML report: throughput against payload size per mode (log axes), latency bars, tables.</summary>
    public static void WriteHtml(string path, IReadOnlyList<EchoMeasurement> results, IReadOnlyList<LatencyMeasurement> latency, int repeat, int workers)
    {
        var report = new Reports.HtmlReport("processfarm echo: what moving data between processes costs");
        report.Paragraph(string.Create(s_c, $"Payloads sent to {workers} worker processes (pipe, shm) or another thread (threads) and back untouched; median of {repeat} runs. Throughput = 2 x payload / round trip. Machine: {CpuModel()}, {Environment.ProcessorCount} usable cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}."));
        string[] modes = [.. results.Select(r => r.Mode).Concat(latency.Select(l => l.Mode)).Distinct()];
        var bytes = results.Where(r => r.Payload == "bytes").ToList();
        if (bytes.Count > 0)
        {
            report.LineChart(
                "Throughput by payload size (bytes payload)",
                "payload size",
                "effective GB/s (log)",
                [.. modes.Select(m => new Reports.HtmlReport.Series(m, [.. bytes.Where(r => r.Mode == m).Select(r => ((double)r.Bytes, r.ThroughputGbps))]))],
                logX: true,
                logY: true,
                formatX: x => x switch { >= 1e9 => $"{x / 1e9:0.#} GB", >= 1e6 => $"{x / 1e6:0.#} MB", >= 1e3 => $"{x / 1e3:0.#} kB", _ => $"{x:0} B" },
                formatY: y => y.ToString(y < 1 ? "0.###" : "0.#", s_c));
        }
        var complexRows = results.Where(r => r.Payload == "complex").ToList();
        if (complexRows.Count > 0)
        {
            report.Heading(string.Create(s_c, $"The article's experiment: {complexRows[0].Items:N0} complex numbers"));
            report.Table(
                ["mode", "median s", "min s", "max s", "vs fastest", "pipe: serialize / transfer / deserialize s"],
                complexRows.Select(r => (IReadOnlyList<string>)[r.Mode, F(r.Median, "0.000000"), F(r.Min, "0.000000"), F(r.Max, "0.000000"), F(RatioToFastest(r, results), "0.0") + "x",
                    r.Mode == "pipe" ? string.Create(s_c, $"{r.SerializeSeconds:0.000} / {r.TransferSeconds:0.000} / {r.DeserializeSeconds:0.000}") : r.Mode == "shm" ? string.Create(s_c, $"region write {r.RegionWriteSeconds:0.000} s, outside the round trip") : string.Empty]),
                [false, true, true, true, true, false]);
        }
        if (latency.Count > 0)
        {
            report.BarChart(
                string.Create(s_c, $"Small-message latency: {latency[0].RoundTrips:N0} round trips of {latency[0].PayloadBytes} bytes"),
                "microseconds",
                [.. latency.Select(l => l.Mode)],
                [("p50", [.. latency.Select(l => l.P50Us)]), ("p99", [.. latency.Select(l => l.P99Us)])],
                v => v.ToString(v < 10 ? "0.0" : "0", s_c));
        }
        report.Heading("All measurements");
        report.Table(
            ["mode", "payload", "size", "items", "median s", "min s", "max s", "GB/s", "vs fastest"],
            results.Select(r => (IReadOnlyList<string>)[r.Mode, r.Payload, Size(r.Bytes), r.Items.ToString(s_c), F(r.Median, "0.000000"), F(r.Min, "0.000000"), F(r.Max, "0.000000"), F(r.ThroughputGbps, "0.00"), F(RatioToFastest(r, results), "0.0") + "x"]),
            [false, false, true, true, true, true, true, true, true]);
        report.Save(path);
    }

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

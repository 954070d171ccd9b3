using System.Globalization;
using System.Text.Json;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Coordinator.Reports;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>Formats a <see cref="ProcessReport"/> for people or for machines.</summary>
internal static class ReportWriter
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };

    /// <summary>Writes the report in <paramref name="format"/>: text, json, csv (a header and one row) or markdown (field and value).</summary>
    public static void Write(TextWriter output, ProcessReport report, string format)
    {
        switch (format)
        {
            case "json":
                WriteJson(output, report);
                break;
            case "csv":
                var fields = Fields(report);
                output.WriteLine(Csv.Line(fields.Select(f => f.Name)));
                output.WriteLine(Csv.Line(fields.Select(f => f.Value)));
                break;
            case "markdown":
                output.WriteLine("| field | value |");
                output.WriteLine("| --- | ---: |");
                foreach (var (name, value) in Fields(report))
                {
                    output.WriteLine(Csv.MarkdownRow(name, value));
                }
                break;
            default:
                WriteText(output, report);
                break;
        }
    }

    public static void WriteJson(TextWriter output, ProcessReport report) =>
        output.WriteLine(JsonSerializer.Serialize(report, s_json));

    /// <summary>What the kernel time adds up: one thread's, or the sum over several threads or workers.</summary>
    private static string KernelTimeScope(ProcessReport report) => (report.Mode, report.Workers) switch
    {
        ("pipe" or "shm" or "cluster", 1) => "in the worker",
        ("pipe" or "shm" or "cluster", _) => "summed over workers",
        (_, 1) => "on one thread",
        _ => "summed over threads",
    };

    /// <summary>The report's fields as JSON names them, in the same order, so that every format carries the same data.</summary>
    private static List<(string Name, object? Value)> Fields(ProcessReport report)
    {
        using var document = JsonDocument.Parse(JsonSerializer.Serialize(report, s_json));
        return [.. document.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.ValueKind switch
        {
            JsonValueKind.String => (object?)p.Value.GetString(),
            JsonValueKind.Number => p.Value.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        }))];
    }

    public static void WriteText(TextWriter output, ProcessReport report)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"input    {report.Input}"));
        output.WriteLine(string.Create(c, $"image    {report.Width}x{report.Height}, {Plural.Count(report.Channels, "channel")}{(report.Channels is 2 or 4 ? " (alpha last, left as it is)" : string.Empty)}, {report.Bits}-bit, {report.PixelBytes / 1e6:0.0} MB of pixels"));
        output.WriteLine(string.Create(c, $"codec    {report.Format}: {report.Codecs}; kept: {report.Kept}"));
        foreach (string note in report.Notes)
        {
            output.WriteLine(string.Create(c, $"note     {note}"));
        }
        string workers = report.Transport == "rpc"
            ? Plural.Count(report.Workers, "rpc lane")
            : Plural.Count(report.Workers, report.Mode is "pipe" or "shm" or "cluster" ? "worker process" : "thread", report.Mode is "pipe" or "shm" or "cluster" ? "worker processes" : null);
        output.WriteLine(string.Create(c, $"mode     {report.Mode}, {workers}, {Plural.Count(report.Tiles, "tile")} of {Plural.Count(report.TileRows, "row")}, kernel {report.Kernel}, ev {report.Ev:0.###} gamma {report.Gamma:0.###}"));
        if (report.Transport is { } transport)
        {
            output.WriteLine(transport == "rpc"
                ? $"transport rpc: tiles as Orleans grain calls to the nodes (at most {Cluster.RpcTileEngine.MaxCallBytes >> 20} MiB of pixels per call), no worker processes"
                : "transport frames: tiles as bin frames over TCP to the worker processes the nodes started");
        }
        if (report.Streamed)
        {
            output.WriteLine(string.Create(c, $"stream   {Plural.Count(report.Strips, "strip")} of {Plural.Count(report.StripRows, "row")}; decode, kernel and encode overlap, so their times below are busy times, not consecutive; first strip ready at {report.FirstStripMs:0.0} ms"));
        }
        output.WriteLine(string.Create(c, $"decode   {report.DecodeMs,9:0.0} ms{(report.IsSample ? " (generated sample)" : string.Empty)}"));
        output.WriteLine(string.Create(c, $"process  {report.ProcessMs,9:0.0} ms   {report.KernelThroughputGbps:0.00} GB/s, kernel {report.KernelMs:0.0} ms {KernelTimeScope(report)}"));
        if (report.Mode == ExecutionMode.Pipe.Name() || report.Mode == ExecutionMode.Cluster.Name())
        {
            output.WriteLine(string.Create(c, $"           serialize {report.SerializeMs:0.0} ms, deserialize {report.DeserializeMs:0.0} ms (coordinator); transfer and queueing {report.TransferMs:0.0} ms, worker time {report.WorkerTotalMs:0.0} ms (summed over jobs)"));
        }
        if (report.Mode == ExecutionMode.Shm.Name())
        {
            output.WriteLine(string.Create(c, $"           attach region {report.SetupMs:0.0} ms; descriptor round trips {report.TransferMs:0.0} ms, worker time {report.WorkerTotalMs:0.0} ms (summed over jobs)"));
        }
        output.WriteLine(string.Create(c, $"encode   {report.EncodeMs,9:0.0} ms"));
        output.WriteLine(string.Create(c, $"total    {report.TotalMs,9:0.0} ms{(report.WorkerStartMs > 0 ? string.Create(c, $" (worker start-up {report.WorkerStartMs:0.0} ms, overlapped with decoding)") : string.Empty)}"));
        output.WriteLine(string.Create(c, $"copies   {report.PixelCopies} full copies of the pixels"));
        output.WriteLine(string.Create(c, $"memory   {report.PixelMemoryBytes / 1e6:0.0} MB of pixels held at once ({(report.Streamed ? "the strip ring" : "the whole image")}), peak RSS {report.PeakRssBytes / 1e6:0} MB (coordinator)"));
        if (report.WorkerDeaths > 0)
        {
            output.WriteLine(string.Create(c, $"faults   {Faults.Describe(report.WorkerDeaths, report.WorkersReplaced, report.TilesRetried, "tile")}"));
        }
        NodeLines.Write(output, report.Nodes);
        output.WriteLine(string.Create(c, $"output   {report.Output}"));
    }
}

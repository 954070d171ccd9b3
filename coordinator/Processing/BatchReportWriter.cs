using System.Globalization;
using System.Text.Json;
using ProcessFarm.Coordinator.Reports;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>Formats a <see cref="BatchReport"/>: a summary (and every failure) for people, or one JSON object.</summary>
internal static class BatchReportWriter
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>Writes the report in <paramref name="format"/>: text, json, or one csv/markdown row per file.</summary>
    public static void Write(TextWriter output, BatchReport report, string format)
    {
        switch (format)
        {
            case "json":
                WriteJson(output, report);
                break;
            case "csv":
                output.WriteLine("input,output,ok,error,width,height,ms");
                foreach (var f in report.Files)
                {
                    output.WriteLine(Csv.Line(f.Input, f.Ok ? f.Output : null, f.Ok, f.Error, f.Width, f.Height, f.Ms));
                }
                break;
            case "markdown":
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{report.Succeeded} of {report.Files.Count} files written to {report.OutputDirectory} in {report.WallMs / 1e3:0.000} s ({report.Mode}, {report.Workers} {WorkerNoun(report)}, strategy {report.Strategy.ToString().ToLowerInvariant()}).\n"));
                output.WriteLine("| input | output | ok | error | width | height | ms |");
                output.WriteLine("| --- | --- | --- | --- | ---: | ---: | ---: |");
                foreach (var f in report.Files)
                {
                    output.WriteLine(Csv.MarkdownRow(f.Input, f.Ok ? f.Output : null, f.Ok ? "yes" : "no", f.Error, f.Width, f.Height, Math.Round(f.Ms, 1)));
                }
                break;
            default:
                WriteText(output, report);
                break;
        }
    }

    public static void WriteText(TextWriter output, BatchReport report)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"batch    {report.Files.Count} files -> {report.OutputDirectory}"));
        output.WriteLine(string.Create(c, $"mode     {report.Mode}, {report.Workers} {WorkerNoun(report)}, strategy {Describe(report)}"));
        output.WriteLine(string.Create(c, $"done     {report.Succeeded} written, {report.Failed} failed; {report.Megapixels:0.0} MP in {report.WallMs / 1e3:0.000} s = {report.Megapixels / (report.WallMs / 1e3):0.0} MP/s{(report.WorkerStartMs > 0 ? string.Create(c, $" (worker start-up {report.WorkerStartMs:0.0} ms included)") : string.Empty)}"));
        if (report.Faults is { Deaths: > 0 } faults)
        {
            output.WriteLine(string.Create(c, $"faults   {Faults.Describe(faults.Deaths, faults.Replacements, faults.JobsRetried, "file")}"));
        }
        NodeLines.Write(output, report.Nodes);
        foreach (var file in report.Files.Where(f => !f.Ok))
        {
            output.WriteLine(string.Create(c, $"failed   {file.Input}: {file.Error}"));
        }
    }

    public static void WriteJson(TextWriter output, BatchReport report) => output.WriteLine(JsonSerializer.Serialize(new
    {
        mode = report.Mode,
        workers = report.Workers,
        strategy = report.Strategy.ToString().ToLowerInvariant(),
        strategy_description = Describe(report),
        output_directory = report.OutputDirectory,
        succeeded = report.Succeeded,
        failed = report.Failed,
        megapixels = report.Megapixels,
        wall_ms = report.WallMs,
        worker_start_ms = report.WorkerStartMs,
        worker_deaths = report.Faults?.Deaths ?? 0,
        workers_replaced = report.Faults?.Replacements ?? 0,
        files_retried = report.Faults?.JobsRetried ?? 0,
        nodes = report.Nodes,
        files = report.Files.Select(f => new { input = f.Input, output = f.Ok ? f.Output : null, ok = f.Ok, error = f.Error, width = f.Width, height = f.Height, ms = f.Ms }),
    }, s_json));

    private static string WorkerNoun(BatchReport report) =>
        report.Mode is "pipe" or "shm" or "cluster" ? Plural.Noun(report.Workers, "worker process", "worker processes") : Plural.Noun(report.Workers, "thread");

    private static string Describe(BatchReport report) => report.Strategy switch
    {
        BatchStrategy.Files when report.Mode is "pipe" or "shm" => "files: each worker decodes, processes and encodes whole files; only their paths travel",
        BatchStrategy.Files => "files: each thread decodes, processes and encodes whole files",
        _ => "strips: one file at a time, streamed strip by strip through the mode",
    };
}

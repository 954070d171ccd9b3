using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using ProcessFarm.Coordinator.Echo;
using ProcessFarm.Coordinator.Reports;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>
/// <c>processfarm echo</c>: the threads-vs-processes serialization experiment. Payloads go to the workers and
/// back untouched, so the transport alone is measured.
/// </summary>
internal static class EchoCommand
{
    private static readonly Option<string> s_mode = new Option<string>("--mode", "-m")
    {
        Description = "threads | pipe | shm | all",
        DefaultValueFactory = _ => "all",
    }.AcceptOnlyFromAmong("threads", "pipe", "shm", "all");

    private static readonly Option<string> s_payload = new Option<string>("--payload")
    {
        Description = "complex (N complex numbers, serialized per item in pipe mode) | bytes | both",
        DefaultValueFactory = _ => "both",
    }.AcceptOnlyFromAmong("complex", "bytes", "both");

    private static readonly Option<int> s_count = CommonOptions.Positive(new Option<int>("--count")
    {
        Description = "Complex numbers in the complex payload (the article: 15,000,000)",
        DefaultValueFactory = _ => 15_000_000,
    }, max: 100_000_000);

    private static readonly Option<long[]> s_sizes = new("--size")
    {
        Description = "Bytes payload sizes, comma-separated, with K/M/G suffixes (powers of 1024)",
        CustomParser = ParseSizes,
        DefaultValueFactory = _ => [1L << 10, 4L << 10, 16L << 10, 64L << 10, 256L << 10, 1L << 20, 4L << 20, 16L << 20, 64L << 20, 256L << 20],
    };

    private static readonly Option<int> s_repeat = CommonOptions.Positive(new Option<int>("--repeat")
    {
        Description = "Round trips per mode and size; the report gives median, min and max",
        DefaultValueFactory = _ => 3,
    }, max: 1000);

    private static readonly Option<int> s_latency = new("--latency-round-trips")
    {
        Description = "64-byte round trips per mode for the latency percentiles (0 skips them)",
        DefaultValueFactory = _ => 100_000,
    };

    private static readonly Option<string> s_format = new Option<string>("--format")
    {
        Description = "text | json | csv | markdown",
        DefaultValueFactory = _ => "text",
    }.AcceptOnlyFromAmong("text", "json", "csv", "markdown");

    public static Command Create()
    {
        var workers = CommonOptions.Workers();
        s_latency.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 0 or > 10_000_000)
            {
                result.AddError("--latency-round-trips must be between 0 and 10000000");
            }
        });
        var command = new Command("echo", "Send payloads to workers and back untouched and measure the transport: threads vs pipe vs shm")
        {
            s_mode, s_payload, s_count, s_sizes, s_repeat, s_latency, workers, s_format, CommonOptions.Report,
            CommonOptions.ShmDirectory, CommonOptions.WorkerPath, CommonOptions.Verbose,
        };
        command.SetAction((parse, _) => CommandRunner.RunAsync(parse.InvocationConfiguration.Error, ct => RunAsync(parse, workers, ct)));
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parse, Option<int> workersOption, CancellationToken cancellationToken)
    {
        var error = parse.InvocationConfiguration.Error;
        string? reportPath = CommonOptions.CheckReportPath(parse);
        string modeName = parse.GetValue(s_mode)!;
        string[] modes = modeName == "all" ? ["threads", "pipe", "shm"] : [modeName];
        string payloadName = parse.GetValue(s_payload)!;
        int repeat = parse.GetValue(s_repeat);
        var log = LineLogger.For(error, parse.GetValue(CommonOptions.Verbose));

        var payloads = new List<Func<EchoPayload>>();
        if (payloadName is "complex" or "both")
        {
            int count = parse.GetValue(s_count);
            payloads.Add(() => EchoPayload.OfComplex(count));
        }
        if (payloadName is "bytes" or "both")
        {
            foreach (long size in parse.GetValue(s_sizes)!)
            {
                payloads.Add(() => EchoPayload.OfBytes((int)size));
            }
        }

        var results = new List<EchoMeasurement>();
        var latency = new List<LatencyMeasurement>();
        EchoRunner? runner = modes.Any(m => m != "threads")
            ? await EchoRunner.StartAsync(parse.GetValue(workersOption), CommonOptions.Supervision(parse), parse.GetValue(CommonOptions.ShmDirectory)!, log, cancellationToken)
            : null;
        try
        {
            int roundTrips = parse.GetValue(s_latency);
            int steps = (payloads.Count * modes.Length) + (roundTrips > 0 ? modes.Length : 0);
            await Terminal.RunWithProgressAsync(error, "echo", steps, async report =>
            {
                int step = 0;
                foreach (var create in payloads)
                {
                    var payload = create();
                    foreach (string mode in modes)
                    {
                        report(string.Create(CultureInfo.InvariantCulture, $"echo [{++step}/{steps}] {mode} {payload.Kind} {EchoReportWriter.Size(payload.DataBytes)} x {repeat}"));
                        results.Add(mode switch
                        {
                            "threads" => await EchoRunner.MeasureThreadsAsync(payload, repeat),
                            "pipe" => await runner!.MeasurePipeAsync(payload, repeat, cancellationToken),
                            _ => await runner!.MeasureShmAsync(payload, repeat, cancellationToken),
                        });
                    }
                }
                if (roundTrips > 0)
                {
                    foreach (string mode in modes)
                    {
                        report(string.Create(CultureInfo.InvariantCulture, $"echo [{++step}/{steps}] latency: {mode}, {roundTrips} round trips of 64 bytes"));
                        latency.Add(runner is null
                            ? await EchoRunner.MeasureThreadLatencyAsync(64, roundTrips)
                            : await runner.MeasureLatencyAsync(mode, 64, roundTrips, cancellationToken));
                    }
                }
            });
        }
        finally
        {
            if (runner is not null)
            {
                await runner.DisposeAsync();
            }
        }

        var output = parse.InvocationConfiguration.Output;
        int workers = parse.GetValue(workersOption);
        switch (parse.GetValue(s_format))
        {
            case "json":
                EchoReportWriter.WriteJson(output, results, latency, repeat);
                break;
            case "csv":
                EchoReportWriter.WriteCsv(output, results);
                break;
            case "markdown":
                EchoReportWriter.WriteMarkdown(output, results, latency);
                break;
            default:
                EchoReportWriter.WriteText(output, results, latency, workers);
                break;
        }
        if (reportPath is not null)
        {
            EchoReportWriter.WriteHtml(reportPath, results, latency, repeat, workers);
            error.WriteLine($"echo: report written to {Path.GetFullPath(reportPath)}");
        }
        return ExitCode.Success;
    }

    private static long[]? ParseSizes(ArgumentResult result)
    {
        var sizes = new List<long>();
        foreach (string part in string.Join(',', result.Tokens.Select(t => t.Value)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            long multiplier = char.ToUpperInvariant(part[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
            string digits = multiplier == 1 ? part : part[..^1];
            if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < 1 || value * multiplier > Array.MaxLength)
            {
                result.AddError($"--size takes sizes such as 1K,4M,256M (1 byte to 2 GiB), not '{part}'");
                return null;
            }
            sizes.Add(value * multiplier);
        }
        return [.. sizes];
    }
}

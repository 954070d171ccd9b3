using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ProcessFarm.Coordinator.Processing;
using ProcessFarm.Coordinator.Reports;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Cli;

/// <summary><c>processfarm fib [--n 35] [--mode serial,threads,processes|all] [--workers N] [--format ...]</c>.</summary>
internal static class FibCommand
{
    private static readonly Option<int> s_n = OptionValues.Int(new Option<int>("--n")
    {
        Description = "Which Fibonacci number each copy computes (naive recursion: about 1.6^n calls)",
        HelpName = "N",
        DefaultValueFactory = _ => 35,
    }, min: 0, max: FibParameters.MaxN, why: "a worker refuses more: fib by recursion would run for minutes");

    private static readonly Option<string[]> s_mode = OptionValues.ListOf(new Option<string[]>("--mode", "-m")
    {
        Description = "Modes to compare, separated by commas: serial, threads, processes, or all",
        HelpName = "MODES",
    }, ["serial", "threads", "processes"], all: "all");

    private static readonly Option<int> s_jobTimeoutMs = CommonOptions.JobTimeout(FibRunner.DefaultJobTimeout);

    public static Command Create()
    {
        var workers = CommonOptions.Workers();
        workers.Description = "Copies of fib(n), each on a thread or worker process of its own";
        var command = new Command("fib", "The CPU-bound half of the article: N copies of recursive fib(n) on one thread, N threads and N worker processes")
        {
            s_n, s_mode, workers, CommonOptions.Format, CommonOptions.Json,
            s_jobTimeoutMs, CommonOptions.MaxRestarts, CommonOptions.MaxJobAttempts, CommonOptions.WorkerPath, CommonOptions.Verbose,
        };
        command.SetAction((parse, _) => CommandRunner.RunAsync(parse.InvocationConfiguration.Error, ct => RunAsync(parse, workers, ct)));
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parse, Option<int> workersOption, CancellationToken cancellationToken)
    {
        string format = CommonOptions.OutputFormat(parse);
        int n = parse.GetValue(s_n);
        int copies = parse.GetValue(workersOption);
        string[] modes = parse.GetValue(s_mode)!;
        var log = LineLogger.For(parse.InvocationConfiguration.Error, parse.GetValue(CommonOptions.Verbose), cancellationToken);
        var results = new List<FibResult>();
        if (modes.Contains("serial"))
        {
            results.Add(FibRunner.RunSerial(n, copies));
            cancellationToken.ThrowIfCancellationRequested();
        }
        if (modes.Contains("threads"))
        {
            results.Add(FibRunner.RunThreads(n, copies));
            cancellationToken.ThrowIfCancellationRequested();
        }
        if (modes.Contains("processes"))
        {
            results.Add(await FibRunner.RunProcessesAsync(n, copies, CommonOptions.Supervision(parse), log, cancellationToken));
        }

        var output = parse.InvocationConfiguration.Output;
        double? serialMs = results.FirstOrDefault(r => r.Mode == "serial")?.WallMs;
        double? Speedup(FibResult r) => serialMs / r.WallMs;
        var c = CultureInfo.InvariantCulture;
        switch (format)
        {
            case "json":
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    n,
                    copies,
                    cores = Environment.ProcessorCount,
                    value = results[0].Value,
                    results = results.Select(r => new { mode = r.Mode, wall_ms = r.WallMs, cpu_ms = r.CpuMs, startup_ms = r.StartupMs, compute_ms = r.ComputeMs, speedup = Speedup(r) }),
                }));
                break;
            case "csv":
                output.WriteLine("mode,n,copies,value,wall_ms,cpu_ms,startup_ms,compute_ms,speedup");
                foreach (var r in results)
                {
                    output.WriteLine(Csv.Line(r.Mode, n, copies, r.Value, r.WallMs, r.CpuMs, r.StartupMs, r.ComputeMs, Speedup(r)));
                }
                break;
            case "markdown":
                output.WriteLine(string.Create(c, $"fib({n}) = {results[0].Value}, {Plural.Count(copies, "copy", "copies")}, {Plural.Count(Environment.ProcessorCount, "usable core")}.\n"));
                output.WriteLine("| mode | wall ms | cpu ms | start-up ms | compute ms | speed-up vs serial |");
                output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
                foreach (var r in results)
                {
                    output.WriteLine(string.Create(c, $"| {r.Mode} | {r.WallMs:0.0} | {r.CpuMs:0.0} | {r.StartupMs:0.0} | {r.ComputeMs:0.0} | {(Speedup(r) is double s ? s.ToString("0.00", c) + "x" : "-")} |"));
                }
                break;
            default:
                output.WriteLine(string.Create(c, $"fib({n}) = {results[0].Value}, {Plural.Count(copies, "copy", "copies")}, {Plural.Count(Environment.ProcessorCount, "usable core")} (Environment.ProcessorCount)"));
                output.WriteLine("mode        wall ms    cpu ms   start-up ms   compute ms   speed-up vs serial");
                foreach (var r in results)
                {
                    string speedup = Speedup(r) is double s ? s.ToString("0.00", c) + "x" : "-";
                    output.WriteLine(string.Create(c, $"{r.Mode,-10} {r.WallMs,8:0.0} {r.CpuMs,9:0.0} {r.StartupMs,13:0.0} {r.ComputeMs,12:0.0}   {speedup}"));
                }
                break;
        }
        return ExitCode.Success;
    }
}

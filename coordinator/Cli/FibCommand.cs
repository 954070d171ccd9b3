using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ProcessFarm.Coordinator.Processing;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Cli;

/// <summary><c>processfarm fib [--n 35] [--mode threads|processes|serial|all] [--workers N] [--json]</c>.</summary>
internal static class FibCommand
{
    private static readonly Option<int> s_n = new("--n")
    {
        Description = "Which Fibonacci number each copy computes (naive recursion: about 1.6^n calls)",
        DefaultValueFactory = _ => 35,
    };

    private static readonly Option<string> s_mode = new Option<string>("--mode", "-m")
    {
        Description = "serial | threads | processes | all",
        DefaultValueFactory = _ => "all",
    }.AcceptOnlyFromAmong("serial", "threads", "processes", "all");

    private static readonly Option<bool> s_json = new("--json") { Description = "Print JSON instead of a table" };

    public static Command Create()
    {
        var workers = CommonOptions.Workers();
        s_n.Validators.Add(result =>
        {
            int n = result.GetValueOrDefault<int>();
            if (n is < 0 or > FibParameters.MaxN)
            {
                result.AddError($"--n must be between 0 and {FibParameters.MaxN} (a worker refuses more: fib by recursion would run for minutes), not {n}");
            }
        });
        var command = new Command("fib", "The CPU-bound half of the article: N copies of recursive fib(n) on one thread, N threads and N worker processes")
        {
            s_n, s_mode, workers, s_json, CommonOptions.WorkerPath, CommonOptions.Verbose,
        };
        command.SetAction((parse, _) => CommandRunner.RunAsync(parse.InvocationConfiguration.Error, ct => RunAsync(parse, workers, ct)));
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parse, Option<int> workersOption, CancellationToken cancellationToken)
    {
        int n = parse.GetValue(s_n);
        int copies = parse.GetValue(workersOption);
        string mode = parse.GetValue(s_mode)!;
        var log = LineLogger.For(parse.InvocationConfiguration.Error, parse.GetValue(CommonOptions.Verbose));
        var results = new List<FibResult>();
        if (mode is "serial" or "all")
        {
            results.Add(FibRunner.RunSerial(n, copies));
            cancellationToken.ThrowIfCancellationRequested();
        }
        if (mode is "threads" or "all")
        {
            results.Add(FibRunner.RunThreads(n, copies));
            cancellationToken.ThrowIfCancellationRequested();
        }
        if (mode is "processes" or "all")
        {
            results.Add(await FibRunner.RunProcessesAsync(n, copies, CommonOptions.Supervision(parse), log, cancellationToken));
        }

        var output = parse.InvocationConfiguration.Output;
        double? serialMs = results.FirstOrDefault(r => r.Mode == "serial")?.WallMs;
        if (parse.GetValue(s_json))
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                n,
                copies,
                cores = Environment.ProcessorCount,
                value = results[0].Value,
                results = results.Select(r => new { mode = r.Mode, wall_ms = r.WallMs, cpu_ms = r.CpuMs, startup_ms = r.StartupMs, compute_ms = r.ComputeMs, speedup = serialMs / r.WallMs }),
            }));
            return ExitCode.Success;
        }

        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"fib({n}) = {results[0].Value}, {copies} copies, {Environment.ProcessorCount} usable cores (Environment.ProcessorCount)"));
        output.WriteLine("mode        wall ms    cpu ms   start-up ms   compute ms   speed-up vs serial");
        foreach (var r in results)
        {
            string speedup = serialMs is double s ? string.Create(c, $"{s / r.WallMs:0.00}x") : "-";
            output.WriteLine(string.Create(c, $"{r.Mode,-10} {r.WallMs,8:0.0} {r.CpuMs,9:0.0} {r.StartupMs,13:0.0} {r.ComputeMs,12:0.0}   {speedup}"));
        }
        return ExitCode.Success;
    }
}

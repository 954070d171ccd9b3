using ProcessFarm.Shared.SharedMemory;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>
/// Runs a command body with SIGINT/SIGTERM as cancellation, and turns what escapes it into one line on stderr and
/// an exit code: user mistakes as they are, anything else as an internal error.
/// </summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(TextWriter error, Func<CancellationToken, Task<ExitCode>> body)
    {
        using var signals = new ShutdownSignals();
        try
        {
            return (int)await body(signals.Token);
        }
        catch (Exception e) when (signals.Token.IsCancellationRequested && e is OperationCanceledException or CommandLineException or IOException or Workers.WorkerFailedException)
        {
            error.WriteLine("processfarm: interrupted; workers stopped, no output written");
            return (int)signals.ExitCode;
        }
        catch (CommandLineException e)
        {
            error.WriteLine($"processfarm: {e.Message}");
            return (int)e.ExitCode;
        }
        catch (Workers.WorkerFailedException e)
        {
            error.WriteLine($"processfarm: {e.Message}");
            return (int)ExitCode.EnvironmentError;
        }
        catch (SharedMemoryException e)
        {
            error.WriteLine($"processfarm: {e.Message}");
            return (int)ExitCode.EnvironmentError;
        }
        catch (Exception e)
        {
            error.WriteLine($"processfarm: internal error: {e.GetType().Name}: {e.Message} (set PROCESSFARM_DEBUG=1 for the stack trace)");
            if (Environment.GetEnvironmentVariable("PROCESSFARM_DEBUG") == "1")
            {
                error.WriteLine(e);
            }
            return (int)ExitCode.InternalError;
        }
    }
}

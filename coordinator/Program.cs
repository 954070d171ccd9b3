using System.CommandLine;
using ProcessFarm.Coordinator.Cli;
using ProcessFarm.Shared.Native;

// processfarm: builds the command tree, reports parse errors with exit code 2, and runs the chosen command.
// First the limits below which the runtime itself breaks (threads it cannot create, files it cannot open): named
// here on one line instead of as the runtime's crash. Each command checks again for its number of workers.
if (ProcessLimits.Check(workers: 0) is { } limits)
{
    Console.Error.WriteLine($"processfarm: {limits}");
    return (int)ExitCode.EnvironmentError;
}
LargeBlocks.ReturnToSystemWhenFreed();

var root = new RootCommand(
    """
    ProcessFarm: exposure/gamma correction of images on threads or on worker processes, with the cost of moving
    pixels between processes measured.

    Exit codes: 0 success, 1 internal error, 2 usage error, 3 input error (missing, corrupt, unsupported or too
    large image), 4 environment error (worker binary missing or failing, /dev/shm too small), 130 interrupted
    (SIGINT), 143 terminated (SIGTERM).
    """)
{
    ProcessCommand.Create(),
    EchoCommand.Create(),
    TuneCommand.Create(),
    FibCommand.Create(),
    ServeCommand.Create(),
    NodeCommand.Create(),
};
HelpWriter.Install(root);

var parse = root.Parse(args);
if (UsageErrors.Describe(parse) is { } usageError)
{
    // One line, whatever went wrong and however many things did: the first mistake, named by its option.
    Console.Error.WriteLine($"processfarm: {usageError}");
    return (int)ExitCode.UsageError;
}

// Signals are handled by each command (ShutdownSignals), so that it can unwind and exit with 130 or 143.
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });

using ProcessFarm.Coordinator.Execution;

namespace ProcessFarm.Coordinator.Serve;

/// <summary>One render's settings.</summary>
internal sealed record RenderRequest(double Ev, double Gamma, ExecutionMode Mode, int Workers);

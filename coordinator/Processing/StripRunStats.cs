using ProcessFarm.Coordinator.Execution;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>What a streamed run measured.</summary>
/// <param name="Engine">The engine's figures summed over strips.</param>
/// <param name="Strips">Strips streamed.</param>
/// <param name="DecodeMs">Decode thread busy time.</param>
/// <param name="ProcessMs">Time in the engine, summed over strips.</param>
/// <param name="EncodeMs">Encode thread busy time.</param>
/// <param name="FirstStripMs">From the start until the first strip was decoded.</param>
/// <param name="RingBytes">Pixel memory the ring holds (twice the ring in shm: source and output halves).</param>
internal sealed record StripRunStats(EngineRunStats Engine, int Strips, double DecodeMs, double ProcessMs, double EncodeMs, double FirstStripMs, long RingBytes);

<?xml version="1.0" encoding="utf-8" ?>
<Experiment>
<RexHeader>REX 3.14</RexHeader>
<Samples><Page><Name>Page 1</Name><Sample><ID>1</ID><Name>NTC</Name><Type>2</Type><GivenConc>0</GivenConc><TubePosition>1</TubePosition></Sample></Page></Samples>
<RawChannels><RawChannel><Name>Cycling A.Green</Name
import * as vscode from 'vscode';

export interface TrainingStatus {
  config: string;
  epoch?: number;
  epochs?: number;
  loss?: number;
  backend?: string;
}

/** One status bar item: training progress (epoch, loss, backend) while a run is active; click to stop. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'responsibleMl.training',
    vscode.StatusBarAlignment.Left,
    10,
  );

  constructor() {
    this.item.name = 'Responsible ML training';
  }

  show(s: TrainingStatus, enabled: boolean): void {
    if (!enabled) return this.item.hide();
    const epoch = s.epoch !== undefined ? ` epoch ${s.epoch}${s.epochs ? `/${s.epochs}` : ''}` : ' starting';
    const loss = s.loss !== undefined && Number.isFinite(s.loss) ? ` · loss ${s.loss.toFixed(4)}` : '';
    const backend = s.backend ? ` · ${s.backend}` : '';
    this.item.text = `$(sync~spin) ${s.config}:${epoch}${loss}${backend}`;
    this.item.tooltip = 'Responsible ML: training. Click to stop.';
    this.item.command = 'responsibleMl.stopTraining';
    this.item.show();
  }

  hide(): void {
    this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}

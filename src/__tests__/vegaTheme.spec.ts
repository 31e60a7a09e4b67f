import { themeConfig } from '../shared/VegaLite';

describe('the charts in the theme', () => {
  afterEach(() => {
    document.body.removeAttribute('style');
  });

  it('given a dark theme, then the categories named by theme variables take their colours, read at draw time', () => {
    document.body.style.setProperty('--jp-brand-color1', '#2196f3');
    document.body.style.setProperty('--jp-warn-color1', '#ff9800');
    document.body.style.setProperty(
      '--jp-ui-font-color1',
      'rgba(255,255,255,0.87)'
    );
    const config = themeConfig(['--jp-brand-color1', '--jp-warn-color1']);
    expect(config.range).toEqual({ category: ['#2196f3', '#ff9800'] });
    expect((config.text as any).color).toBe('rgba(255,255,255,0.87)');
  });

  it('given no colours asked for, or a variable the page lacks, then Vega keeps its own scheme', () => {
    document.body.style.setProperty('--jp-brand-color1', '#2196f3');
    expect(themeConfig().range).toBeUndefined();
    expect(
      themeConfig(['--jp-brand-color1', '--jp-no-such-color']).range
    ).toBeUndefined();
  });
});

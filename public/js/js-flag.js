// Loaded in <head> without defer: marks the page as scripted before it paints, so menus start closed.
document.documentElement.classList.add('js');
